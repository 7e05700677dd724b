"""The migrations are the schema: applying them yields exactly what the models describe."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine

from community import create_app
from community.extensions import db


def test_migrations_build_the_schema_the_models_describe(tmp_path):
    uri = f"sqlite:///{tmp_path / 'migrated.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "TESTING": True, "SECRET_KEY": "x",
                      "SEARCH_INDEX_DIR": str(tmp_path / "index"), "SEARCH_INDEXER_IN_PROCESS": False})
    with app.app_context():
        upgrade()
        engine = create_engine(uri)
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        engine.dispose()
    assert diff == [], f"models and migrations differ; run `make initial-migration`: {diff}"
