"""Group commit for one room's messages: concurrent senders in a process share one transaction.

The first sender in a room becomes the leader and writes its message together with every message
that queued up meanwhile (one row lock, one multi-row insert, one commit). If more arrived while
it wrote, the first of them leads the next batch. Nobody waits when a room is quiet; under load
the lock, round trips and the commit's flush to disk are paid once per batch, not per message.
"""
import threading

_lock = threading.Lock()
_queues = {}  # key -> messages waiting for the current leader; the key exists while a leader writes


class Pending:
    """One message on its way to the database; `result` or `error` is set once its batch is done."""

    def __init__(self, **fields):
        self.__dict__.update(fields)
        self.done = threading.Event()
        self.lead = False
        self.result = None
        self.error = None


def write_grouped(key, item, write_batch, before_wait, timeout=30):
    """Store item through write_batch(items) within a batch; returns item.result or raises item.error.
    before_wait() runs before a follower sleeps (it must let go of its own database transaction)."""
    with _lock:
        queue = _queues.get(key)
        if queue is None:
            _queues[key] = []
            item.lead = True
        else:
            queue.append(item)
    if not item.lead:
        before_wait()
        if not item.done.wait(timeout):
            raise TimeoutError("the message was not confirmed in time")
        if not item.lead:
            return _outcome(item)
    with _lock:
        batch = [item] + _queues[key]
        _queues[key] = []
    try:
        write_batch(batch)
    except Exception as error:  # every sender in the batch hears about the failure
        for pending in batch:
            pending.error = error
    finally:
        with _lock:
            waiting = _queues[key]
            successor = waiting.pop(0) if waiting else None
            if successor is None:
                del _queues[key]
        for pending in batch[1:]:
            pending.done.set()
        if successor is not None:
            successor.lead = True
            successor.done.set()
    return _outcome(item)


def _outcome(item):
    if item.error is not None:
        raise item.error
    return item.result
