"""Search test helpers: drive the indexer directly instead of waiting for the background thread."""
import pytest

from community.search.indexer import apply_pending


@pytest.fixture
def index_now(app):
    """Apply every waiting outbox row to the test index, as the indexer would within a second."""
    def run(**kwargs):
        return apply_pending(**kwargs)

    return run
