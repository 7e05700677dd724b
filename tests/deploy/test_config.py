"""Production is what wsgi.py runs unless told otherwise: it will not start without SECRET_KEY and takes HTTPS
from SITE_URL; development (`make run`) still starts with nothing set."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
BIN = Path(sys.executable).parent


def environment(instance, **settings):
    env = {k: v for k, v in os.environ.items()
           if k not in ("SECRET_KEY", "TUMMLER_CONFIG", "SITE_URL", "TRUSTED_HOSTS", "SESSION_COOKIE_SECURE",
                        "DATABASE_URL", "FLASK_APP")}
    env.update(INSTANCE_PATH=str(instance), SEARCH_INDEXER_IN_PROCESS="0", **settings)
    return env


def run_python(code, env):
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_production_refuses_to_start_without_secret_key_in_one_line(tmp_path):
    for command in ([sys.executable, "-c", "import wsgi"], [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"]):
        done = subprocess.run(command, cwd=ROOT, env=environment(tmp_path), capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 4, done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
        assert lines[0].startswith("Tummler cannot start: SECRET_KEY is not set")
    assert not (tmp_path / "secret_key").exists(), "no key is generated for one machine alone"


def test_production_under_gunicorn_stops_instead_of_restarting_workers(tmp_path):
    done = subprocess.run([str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "-w", "1", "-b", "127.0.0.1:0",
                           "wsgi:app"], cwd=ROOT, env=environment(tmp_path), capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 4
    assert "SECRET_KEY is not set" in done.stderr and "Traceback" not in done.stderr


def test_development_starts_without_a_secret_key_and_keeps_the_one_it_generated(tmp_path):
    code = "import wsgi; print(wsgi.app.config['SECRET_KEY'], wsgi.app.config['LOAD_DEMO_ON_FIRST_RUN'])"
    first = run_python(code, environment(tmp_path, TUMMLER_CONFIG="development"))
    second = run_python(code, environment(tmp_path, TUMMLER_CONFIG="development"))
    assert first.returncode == 0, first.stderr
    key, demo = first.stdout.split()
    assert key == (tmp_path / "secret_key").read_text().strip() and second.stdout.split()[0] == key
    assert demo == "True"


def test_production_behind_https_sends_secure_cookies_and_answers_only_its_own_host(tmp_path):
    code = """
import json, wsgi
app = wsgi.app
client = app.test_client()
ours = client.get("/login", base_url="https://community.example.com")
other = client.get("/login", base_url="https://attacker.example")
print(json.dumps({"cookies": ours.headers.getlist("Set-Cookie"), "ours": ours.status_code,
                  "other": other.status_code, "hsts": ours.headers.get("Strict-Transport-Security"),
                  "demo": app.config["LOAD_DEMO_ON_FIRST_RUN"]}))
"""
    done = run_python(code, environment(tmp_path, SECRET_KEY="a-production-secret",
                                        SITE_URL="https://community.example.com",
                                        DATABASE_URL=f"sqlite:///{tmp_path / 'db'}"))
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["ours"] == 200 and seen["other"] == 400
    assert seen["cookies"] and all("Secure" in cookie for cookie in seen["cookies"])
    assert seen["hsts"] and seen["demo"] is False


def test_an_unknown_configuration_name_is_refused_by_name(tmp_path):
    done = run_python("import wsgi", environment(tmp_path, TUMMLER_CONFIG="staging", SECRET_KEY="x"))
    assert done.returncode == 4 and "TUMMLER_CONFIG='staging' is not a configuration" in done.stderr


def test_make_run_commands_keep_development_with_nothing_set(tmp_path):
    """`make run`'s flask commands start without SECRET_KEY (the Makefile exports TUMMLER_CONFIG=development)."""
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    done = subprocess.run([make, "--no-print-directory", "-o", f"{BIN}/activate", "migrate", f"BIN={BIN}"], cwd=ROOT,
                          env=environment(tmp_path), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "community.db").exists() and (tmp_path / "secret_key").exists()
