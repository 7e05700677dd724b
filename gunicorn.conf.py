"""gunicorn settings for serving Tummler's pages (measured choices: docs/PERFORMANCE.md)."""
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Page rendering is CPU-bound: one sync process per core measured best (docs/PERFORMANCE.md); threads > 1 -> gthread.
workers = int(os.environ.get("GUNICORN_WORKERS", os.cpu_count() or 2))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
keepalive = 5
backlog = 2048
timeout = 30
graceful_timeout = 10
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "warning")
