# Two commands do all set-up: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi

.PHONY: run test test-sqlite test-postgres install install-dev migrate migration demo bench-http clean

$(BIN)/activate: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $(BIN)/activate

$(VENV)/.dev-installed: requirements-dev.txt requirements.txt $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(BIN)/activate

install-dev: $(VENV)/.dev-installed

## Apply migrations, load the demo community on first run, serve on http://127.0.0.1:5000
run: install
	$(FLASK) db upgrade
	$(FLASK) demo load --if-empty
	$(BIN)/python wsgi.py

## The whole test suite: SQLite, then PostgreSQL where one is reachable.
test: install-dev
	$(BIN)/python -m tests.run

migrate: install
	$(FLASK) db upgrade

## Add a migration for model changes: make migration m="what changed"
migration: install
	rm -f /tmp/tummler-migration.db
	DATABASE_URL=sqlite:////tmp/tummler-migration.db $(FLASK) db upgrade
	DATABASE_URL=sqlite:////tmp/tummler-migration.db $(FLASK) db migrate -m "$(m)"

## Before the first release the schema is one migration: rebuild it from the models.
initial-migration: install
	rm -f /tmp/tummler-migration.db migrations/versions/*_initial_schema.py
	DATABASE_URL=sqlite:////tmp/tummler-migration.db $(FLASK) db migrate -m "initial schema"

clean:
	rm -rf $(VENV) instance .pytest_cache
