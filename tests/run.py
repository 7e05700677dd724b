"""The whole suite: on SQLite, then again on PostgreSQL when one is reachable."""
import os
import subprocess
import sys

import psycopg

PG_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://127.0.0.1:5432/test")


def postgres_reachable(url):
    try:
        with psycopg.connect(url, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
        return True
    except psycopg.Error as error:
        print(f"PostgreSQL run skipped: cannot connect to {url} ({str(error).strip().splitlines()[0]})")
        return False


def pytest(label, extra_env, args):
    print(f"\n=== test suite on {label} ===", flush=True)
    env = {**os.environ, **extra_env}
    return subprocess.call([sys.executable, "-m", "pytest", *args], env=env)


def main():
    args = sys.argv[1:] or ["-q", "-n", "2", "tests"]
    status = pytest("SQLite", {"TEST_DATABASE_URL": ""}, args)
    if postgres_reachable(PG_URL):
        status = pytest("PostgreSQL", {"TEST_DATABASE_URL": PG_URL}, args) or status
    sys.exit(status)


if __name__ == "__main__":
    main()
