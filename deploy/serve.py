"""`make serve`: one machine's production stack. Applies migrations, loads the demo into an empty database, writes
nginx's config into the run directory, then becomes honcho running deploy/Procfile; Ctrl-C stops every process.

    .venv/bin/python deploy/serve.py [--no-demo]

The environment configures it (README, docs/DEPLOY.md): SERVE_HOST and SERVE_PORT (127.0.0.1:8080), SECRET_KEY,
DATABASE_URL, REDIS_URL, SERVE_WITHOUT, SEARCH_UPSTREAM, SERVE_TRUSTED_PROXIES, and everything the app reads.
"""
import argparse
import ipaddress
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
PROCFILE = DEPLOY / "Procfile"
TEMPLATE = DEPLOY / "nginx.conf.template"
PROCFILE_LINE = re.compile(r"^([A-Za-z0-9_-]+):")  # honcho's rule for a process line
SOCKETIO_PROCESS = re.compile(r"^socketio-([0-9]+)$")
# The stack cannot answer without these; SERVE_WITHOUT may name any other process (an indexer, a worker).
ESSENTIAL = ("pages", "socketio-1", "nginx")
UNIX_SOCKET_PATH_MAX = 107  # sun_path is 108 bytes with its terminating NUL


class Refusal(Exception):
    """Something to set or install before the stack can start; the message says what, in one line."""


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-demo", action="store_true", help="never load the demo community (a real site)")
    args = parser.parse_args(argv)
    try:
        env = stack_environment(os.environ)
        processes = chosen_processes(procfile_processes(), env)
        config = nginx_config(env, processes)
        check_not_running(Path(env["SERVE_RUN_DIR"]))
        check_can_listen(env["SERVE_HOST"], int(env["SERVE_PORT"]))
    except Refusal as refusal:
        sys.exit(f"make serve: {refusal}")
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    run_or_exit(flask + ["db", "upgrade"], env)
    if not args.no_demo:
        run_or_exit(flask + ["demo", "load", "--if-empty"], env)
    write_nginx_config(env, config)
    for line in summary(env, processes):
        print(line, flush=True)
    os.chdir(ROOT)
    # honcho starts each process in its own process group and, on Ctrl-C or SIGTERM, stops every group (SIGTERM,
    # then SIGKILL after 5 s), so no gunicorn worker or nginx worker outlives it. Its own .env loading is off:
    # this script has read the environment, and the processes get exactly that.
    os.execve(sys.executable, [sys.executable, "-m", "honcho", "start", "--no-colour", "-f", str(PROCFILE),
                               "-d", str(ROOT), "-e", os.devnull, *processes], env)


def stack_environment(environ):
    """The environment every process of the stack runs with; Refusal when it cannot work."""
    env = dict(environ)
    env.setdefault("TUMMLER_CONFIG", "production")
    env["TUMMLER_CONFIG"] = env["TUMMLER_CONFIG"] or "production"
    if env["TUMMLER_CONFIG"] == "production" and not env.get("SECRET_KEY"):
        sys.path.insert(0, str(ROOT))
        from community.config import ConfigurationError, require_secret_key

        try:
            require_secret_key({"SECRET_KEY_REQUIRED": True, "SECRET_KEY": None})
        except ConfigurationError as error:
            raise Refusal(str(error)) from None
    instance = Path(env.get("INSTANCE_PATH") or ROOT / "instance").resolve()
    run_dir = instance / "run"
    longest = run_dir / "socketio-99.sock"
    if len(str(longest)) > UNIX_SOCKET_PATH_MAX:
        raise Refusal(f"the run directory {run_dir} is too long a path for the processes' sockets: "
                      f"set a shorter INSTANCE_PATH")
    env["INSTANCE_PATH"] = str(instance)
    env["SERVE_RUN_DIR"] = str(run_dir)
    env["SERVE_HOST"] = env.get("SERVE_HOST") or "127.0.0.1"
    env["SERVE_PORT"] = env.get("SERVE_PORT") or "8080"
    if not env["SERVE_PORT"].isdigit():
        raise Refusal(f"SERVE_PORT={env['SERVE_PORT']!r} is not a port number")
    env["SERVE_NGINX"] = find_nginx()  # not NGINX: nginx reads that one as inherited sockets
    # The indexer is the stack's own process (or another machine's, with SEARCH_UPSTREAM), never a web worker's
    # thread: exactly one writer for the index.
    env["SEARCH_INDEXER_IN_PROCESS"] = "0"
    # Likewise background jobs: the stack's `jobs` worker runs them, the web processes only queue them.
    env["JOBS_IN_PROCESS"] = "0"
    # One proxy (this nginx) in front of the app: rate limits and logs see the address nginx saw.
    env.setdefault("PROXY_FIX_X_FOR", "1")
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONUNBUFFERED"] = "1"  # lines reach honcho's output as they are written
    return env


def find_nginx():
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if not found:
        raise Refusal("nginx is not installed: apt-get install nginx (make serve installs it when run as root)")
    return found


def procfile_processes():
    return [m.group(1) for m in map(PROCFILE_LINE.match, PROCFILE.read_text().splitlines()) if m]


def chosen_processes(names, env):
    """The Procfile's processes this machine runs: a second Socket.IO process only with Redis to share rooms
    through, no indexer when another machine has the index (SEARCH_UPSTREAM), none that SERVE_WITHOUT names."""
    without = {name.strip() for name in env.get("SERVE_WITHOUT", "").split(",") if name.strip()}
    unknown = without - set(names)
    if unknown:
        raise Refusal(f"SERVE_WITHOUT names {', '.join(sorted(unknown))}, not in deploy/Procfile "
                      f"({', '.join(names)})")
    essential = without.intersection(ESSENTIAL)
    if essential:
        raise Refusal(f"SERVE_WITHOUT cannot leave out {', '.join(sorted(essential))}: the site needs them")
    if env.get("SEARCH_UPSTREAM"):
        if urlsplit(env["SEARCH_UPSTREAM"]).scheme not in ("http", "https"):
            raise Refusal(f"SEARCH_UPSTREAM={env['SEARCH_UPSTREAM']!r} is not an http:// address of the machine "
                          "with the search index")
        without.add("search")
    chosen = []
    for name in names:
        socketio = SOCKETIO_PROCESS.match(name)
        if name in without or (socketio and int(socketio.group(1)) > 1 and not env.get("REDIS_URL")):
            continue
        chosen.append(name)
    return chosen


def check_not_running(run_dir):
    """A second stack on the same instance would take over the first one's sockets (gunicorn replaces a socket
    file it finds): refuse while the nginx of a stack from this run directory is alive."""
    try:
        pid = int((run_dir / "nginx.pid").read_text().strip())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return  # no pid file, a stale one, or a process that is gone
    raise Refusal(f"a stack is already running from {run_dir} (nginx pid {pid}): stop it first, or give this one "
                  "its own INSTANCE_PATH")


def check_can_listen(host, port):
    try:
        with socket.create_server((host, port)):
            pass
    except OSError as error:
        raise Refusal(f"cannot listen on {host}:{port} ({error.strerror}): is another stack running? "
                      "Stop it or choose SERVE_PORT") from None


def run_or_exit(command, env):
    done = subprocess.run(command, cwd=ROOT, env=env)
    if done.returncode:
        sys.exit(done.returncode)


def nginx_config(env, processes):
    """The template with this machine's paths, address and processes filled in."""
    run_dir = env["SERVE_RUN_DIR"]
    socketio = [name for name in processes if SOCKETIO_PROCESS.match(name)]
    values = {
        "RUN_DIR": run_dir,
        "STATIC_DIR": str(ROOT / "static"),
        "LISTEN": f"{_bracketed(env['SERVE_HOST'])}:{env['SERVE_PORT']}",
        "USER": _worker_user(),
        "SOCKETIO_SERVERS": "\n".join(f"        server unix:{run_dir}/{name}.sock fail_timeout=0;" for name in socketio),
        # Without Redis a page worker's live events reach no browser: writes go to the one Socket.IO process.
        "WRITES_SERVER": f"unix:{run_dir}/{'pages' if env.get('REDIS_URL') else 'socketio-1'}.sock",
        "REAL_IP": _real_ip(env.get("SERVE_TRUSTED_PROXIES", "")),
        "SEARCH_LOCATION": _search_location(env.get("SEARCH_UPSTREAM")),
    }
    text = TEMPLATE.read_text()
    for name, value in values.items():
        text = text.replace(f"@{name}@", value)
    leftover = re.findall(r"@[A-Z_]+@", text)
    assert not leftover, f"nginx.conf.template names {leftover} that serve.py does not fill"
    return text


def write_nginx_config(env, config):
    run_dir = Path(env["SERVE_RUN_DIR"])
    (run_dir / "nginx-temp").mkdir(parents=True, exist_ok=True)
    (run_dir / "nginx.conf").write_text(config)


def _bracketed(host):
    return f"[{host}]" if ":" in host else host


def _worker_user():
    """Started as root, nginx would run its workers as nobody, who may not read the checkout: run them as the
    checkout's owner instead. Started as anyone else, nginx keeps that user and this line would only warn."""
    if os.geteuid() != 0:
        return ""
    import grp
    import pwd

    owner = ROOT.stat()
    return f"user {pwd.getpwuid(owner.st_uid).pw_name} {grp.getgrgid(owner.st_gid).gr_name};"


def _real_ip(trusted):
    """Addresses whose X-Forwarded-For nginx believes (a load balancer, another machine's nginx)."""
    lines = []
    for entry in (e.strip() for e in trusted.split(",")):
        if not entry:
            continue
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise Refusal(f"SERVE_TRUSTED_PROXIES names {entry!r}, not an address or network") from None
        lines.append(f"        set_real_ip_from {entry};")
    if lines:
        lines += ["        real_ip_header X-Forwarded-For;", "        real_ip_recursive on;"]
    return "\n".join(lines) + "\n" if lines else ""


def _search_location(upstream):
    """Pages that read the search index, sent to the machine that has it."""
    if not upstream:
        return ""
    return f"""
        # The search index is on the machine running the indexer: its nginx answers what reads the index.
        location ~ ^/(search|api/search|ideas/similar)(/|$) {{
            proxy_pass {upstream.rstrip('/')};
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Request-ID $request_id;
            proxy_redirect off;
        }}
"""


def summary(env, processes):
    database = "PostgreSQL" if env.get("DATABASE_URL", "").startswith(("postgres://", "postgresql")) else (
        "SQLite in instance/" if not env.get("DATABASE_URL") else "DATABASE_URL")
    redis = ("Redis: shared by the Socket.IO processes, rate limits and stored pages" if env.get("REDIS_URL") else
             "no REDIS_URL: one Socket.IO process, which also takes every write so its live events reach browsers")
    lines = [
        "",
        f"Tummler ({env['TUMMLER_CONFIG']}) on http://{_bracketed(env['SERVE_HOST'])}:{env['SERVE_PORT']}  "
        f"(Ctrl-C stops every process)",
        f"  processes: {', '.join(processes)}",
        f"  database: {database}; {redis}",
        f"  logs: one line per request below; nginx's config and sockets in {env['SERVE_RUN_DIR']}",
    ]
    if env["TUMMLER_CONFIG"] == "production" and not env.get("SITE_URL") and not env.get("TRUSTED_HOSTS"):
        lines.append("  note: set SITE_URL (https://community.example.com) for a real site: links in emails use it, "
                     "cookies go secure over https, and only its host is answered")
    lines.append("")
    return lines


if __name__ == "__main__":
    main()
