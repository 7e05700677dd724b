"""deploy/serve.py's choices: which processes run, and an nginx config that nginx itself accepts for each."""
import importlib.util
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
spec = importlib.util.spec_from_file_location("serve", ROOT / "deploy" / "serve.py")
serve = importlib.util.module_from_spec(spec)
spec.loader.exec_module(serve)

PROCESSES = serve.procfile_processes()


def environment(tmp_path, **settings):
    return serve.stack_environment({"SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path), "PATH": "/usr/bin:/bin",
                                    **settings})


@pytest.fixture
def nginx():
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
    if not found:
        pytest.skip("nginx is not installed (make serve installs it as root: apt-get install nginx)")
    return found


def nginx_accepts(nginx, env, processes):
    run_dir = Path(env["SERVE_RUN_DIR"])
    serve.write_nginx_config(env, serve.nginx_config(env, processes))
    done = subprocess.run([nginx, "-t", "-p", str(run_dir), "-c", str(run_dir / "nginx.conf"), "-e", "stderr"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return (run_dir / "nginx.conf").read_text()


def test_without_redis_one_socketio_process_runs_and_takes_the_writes(tmp_path, nginx):
    env = environment(tmp_path, REDIS_URL="")
    processes = serve.chosen_processes(PROCESSES, env)
    assert processes == ["pages", "socketio-1", "search", "jobs", "nginx"]
    config = nginx_accepts(nginx, env, processes)
    assert f"server unix:{tmp_path}/run/socketio-1.sock" in config and "socketio-2.sock" not in config
    writes = config.split("upstream writes {")[1].split("}")[0]
    assert "socketio-1.sock" in writes
    assert env["SEARCH_INDEXER_IN_PROCESS"] == "0" and env["JOBS_IN_PROCESS"] == "0" and env["PROXY_FIX_X_FOR"] == "1"


def test_with_redis_two_socketio_processes_share_the_sticky_upstream(tmp_path, nginx):
    env = environment(tmp_path, REDIS_URL="redis://127.0.0.1:6379/0")
    processes = serve.chosen_processes(PROCESSES, env)
    assert processes == ["pages", "socketio-1", "socketio-2", "search", "jobs", "nginx"]
    config = nginx_accepts(nginx, env, processes)
    sockets = config.split("upstream socketio {")[1].split("}")[0]
    assert "hash $socket_route consistent;" in sockets
    assert "socketio-1.sock" in sockets and "socketio-2.sock" in sockets
    assert "pages.sock" in config.split("upstream writes {")[1].split("}")[0]


def test_an_added_machine_sends_search_to_the_index_and_trusts_its_balancer(tmp_path, nginx):
    env = environment(tmp_path, REDIS_URL="redis://10.0.0.2:6379/0", SEARCH_UPSTREAM="http://10.0.0.5:8080",
                      SERVE_TRUSTED_PROXIES="10.0.0.0/24, 192.0.2.7", SERVE_HOST="0.0.0.0")
    processes = serve.chosen_processes(PROCESSES, env)
    assert "search" not in processes
    config = nginx_accepts(nginx, env, processes)
    assert "proxy_pass http://10.0.0.5:8080;" in config and "location ~ ^/(search|api/search|ideas/similar)" in config
    assert "set_real_ip_from 10.0.0.0/24;" in config and "set_real_ip_from 192.0.2.7;" in config
    assert "listen 0.0.0.0:" in config


@pytest.mark.parametrize("settings, refusal", [
    ({"SERVE_WITHOUT": "pages"}, "cannot leave out pages"),
    ({"SERVE_WITHOUT": "serch"}, "SERVE_WITHOUT names serch, not in deploy/Procfile"),
    ({"SEARCH_UPSTREAM": "10.0.0.5:8080"}, "is not an http:// address"),
    ({"SERVE_TRUSTED_PROXIES": "the balancer"}, "not an address or network"),
])
def test_settings_that_cannot_work_are_refused_by_name(tmp_path, settings, refusal):
    with pytest.raises(serve.Refusal, match=refusal):
        env = environment(tmp_path, **settings)
        serve.nginx_config(env, serve.chosen_processes(PROCESSES, env))


def test_production_without_secret_key_is_refused_before_anything_starts(tmp_path):
    with pytest.raises(serve.Refusal, match="SECRET_KEY is not set"):
        serve.stack_environment({"INSTANCE_PATH": str(tmp_path), "PATH": "/usr/bin"})


def test_a_port_in_use_is_refused_with_what_to_do(tmp_path):
    import socket

    with socket.create_server(("127.0.0.1", 0)) as taken:
        with pytest.raises(serve.Refusal, match="is another stack running"):
            serve.check_can_listen("127.0.0.1", taken.getsockname()[1])


def test_a_second_stack_on_the_same_instance_is_refused_while_the_first_runs(tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "nginx.pid").write_text("999999999\n")  # a stack that crashed: its pid file is stale
    serve.check_not_running(run_dir)
    (run_dir / "nginx.pid").write_text(f"{os.getpid()}\n")  # a live process holds the pid
    with pytest.raises(serve.Refusal, match="a stack is already running from"):
        serve.check_not_running(run_dir)
