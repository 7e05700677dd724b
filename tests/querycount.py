"""Counting the SQL a request issues, for the no-N+1 tests."""
from contextlib import contextmanager

from flask import current_app
from sqlalchemy import event


@contextmanager
def counted_queries(db):
    """Collect every statement sent to the database inside the block, the stored pages' own reads included."""
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    page_reads = current_app.extensions["page_reads"].observers
    event.listen(db.engine, "before_cursor_execute", count)
    page_reads.append(statements.append)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
        page_reads.remove(statements.append)
