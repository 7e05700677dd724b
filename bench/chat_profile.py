"""Profile the /chat send handler: 1,000 sends through the Flask-SocketIO test client under cProfile.

Run: .venv/bin/python bench/chat_profile.py [--sends N]. It reuses the test fixtures (SQLite, or
TEST_DATABASE_URL) and prints time per send and the app's own steps, slowest first.
"""
import sys
from pathlib import Path


import cProfile  # noqa: E402
import os  # noqa: E402
import pstats  # noqa: E402
import time  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
STEPS = (r"community/(__init__|chat/events|chat/actions|chat/queries|chat/sendcache|chat/limits|markup|sockets)"
         r"\.py:[0-9]+\((load_user|on_send|room_and_membership|_render|render_chat|check_message_rate"
         r"|signed_in_member|_write_batch|post_message)\)")


def test_profile_send(app, chat_as, member, room):
    from community.extensions import db

    app.config["CHAT_RATE_LIMIT"] = "1000000 per 5 seconds"  # the limiter still runs on every message
    sock = chat_as("maria")
    sock.join(room)
    room_id, sends = room.id, int(os.environ.get("CHAT_PROFILE_SENDS", "1000"))
    for _ in range(50):
        sock.emit("send", {"room_id": room_id, "body": f"ts={time.time():.6f} warm"})
    profile, elapsed = cProfile.Profile(), 0.0
    for _ in range(sends):
        db.session.remove()  # a server handles every event in a fresh database session
        started = time.perf_counter()
        profile.enable()
        reply = sock.emit("send", {"room_id": room_id, "body": f"ts={time.time():.6f} flood"})
        profile.disable()
        elapsed += time.perf_counter() - started
        assert reply["ok"], reply
    sock.received()
    print(f"\n{sends} sends: {elapsed / sends * 1000:.3f} ms per send (under cProfile)")
    pstats.Stats(profile).sort_stats("cumulative").print_stats(STEPS)


if __name__ == "__main__":
    import pytest

    if "--sends" in sys.argv:
        os.environ["CHAT_PROFILE_SENDS"] = sys.argv[sys.argv.index("--sends") + 1]
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    sys.exit(pytest.main([str(Path(__file__).resolve()), "-q", "-s", "-p", "no:cacheprovider", "--import-mode=importlib",
                          "-p", "tests.conftest", "-p", "tests.chat.conftest", "--rootdir", str(ROOT)]))
