"""Counting the SQL a request issues, for the no-N+1 tests."""
from contextlib import contextmanager

from sqlalchemy import event


@contextmanager
def counted_queries(db):
    """Collect every statement sent to the database inside the block."""
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
