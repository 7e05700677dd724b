"""The in-process chat rate window (no REDIS_URL) refuses and releases exactly like a moving window."""
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from community.chat import limits


def test_sixth_message_within_five_seconds_is_refused_like_the_limits_library_does():
    item = parse("5 per 5 seconds")
    ours, reference = limits.ProcessMovingWindow(), MovingWindowRateLimiter(MemoryStorage())
    answers = [(ours.hit(item, "chat-message", "7"), reference.hit(item, "chat-message", "7")) for _ in range(7)]
    assert answers == [(True, True)] * 5 + [(False, False)] * 2
    assert ours.get_window_stats(item, "chat-message", "7").remaining == 0
    assert ours.hit(item, "chat-message", "8")  # another member has their own window


def test_member_may_send_again_once_their_oldest_message_leaves_the_window(monkeypatch):
    item, window, now = parse("2 per 5 seconds"), limits.ProcessMovingWindow(), [1000.0]
    monkeypatch.setattr(limits.time, "time", lambda: now[0])
    assert window.hit(item, "chat-message", "7")
    now[0] += 3
    assert window.hit(item, "chat-message", "7")
    assert not window.hit(item, "chat-message", "7")
    assert window.get_window_stats(item, "chat-message", "7").reset_time == 1005.0
    now[0] += 2.01  # the first message is now more than 5 s old; the second is not
    assert window.hit(item, "chat-message", "7")
    assert not window.hit(item, "chat-message", "7")
