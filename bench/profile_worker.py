"""gunicorn config for bench/chat.py --profile: cProfile the app's worker from start to exit.

Under gevent every greenlet runs on one thread, so the profile covers the whole process: the send
handlers, the fan-out and the socket writers. Stats go to $TUMMLER_PROFILE_OUT when the worker exits.
"""
import cProfile
import os

_profile = cProfile.Profile()


def post_worker_init(worker):
    _profile.enable()


def worker_exit(server, worker):
    _profile.disable()
    _profile.dump_stats(os.environ["TUMMLER_PROFILE_OUT"])
