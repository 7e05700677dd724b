"""Configuration classes; environment variables override the embedded defaults."""
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit


class ConfigurationError(Exception):
    """The environment asks for something the app cannot start with; the message says what to set, in one line."""


def database_url(instance_path):
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{Path(instance_path) / 'community.db'}"
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy wants an explicit driver.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _flag(name, default=False):
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    return value in ("1", "true", "yes", "on")


def load_secret_key(instance_path):
    """Return SECRET_KEY from the environment, or one generated once and kept in instance/."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


class Config:
    """Production-shaped defaults: everything under instance/ unless the environment says otherwise."""

    TESTING = False
    SECRET_KEY_REQUIRED = False  # True: no key generated into instance/, the app refuses to start without one
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    REDIS_URL = os.environ.get("REDIS_URL") or None
    SEARCH_INDEX_DIR = os.environ.get("SEARCH_INDEX_DIR") or None  # default: instance/search-index
    SEARCH_INDEXER_IN_PROCESS = os.environ.get("SEARCH_INDEXER_IN_PROCESS", "1").lower() not in ("0", "false", "no")
    SEARCH_REBUILD_MEMORY_MB = int(os.environ.get("SEARCH_REBUILD_MEMORY_MB") or 1024)  # Whoosh sort pool of a rebuild
    LOAD_DEMO_ON_FIRST_RUN = False

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _flag("SESSION_COOKIE_SECURE")
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    PASSWORD_HASH_METHOD = "scrypt"
    # Dates, times and plurals go through Babel (community/i18n.py). One locale for now, so every reader
    # of a stored page gets the same words; the database keeps UTC and pages say so.
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"

    # Socket.IO: allowed origins default to same origin (None); a comma list widens it.
    SOCKETIO_CORS_ALLOWED_ORIGINS = [o for o in os.environ.get("SOCKETIO_ORIGINS", "").split(",") if o] or None
    SOCKETIO_ASYNC_MODE = os.environ.get("SOCKETIO_ASYNC_MODE") or "threading"
    # Redis pub/sub channels are shared by every database number: deployments (and test runs)
    # sharing one Redis keep their Socket.IO traffic apart with their own channel name.
    SOCKETIO_CHANNEL = os.environ.get("SOCKETIO_CHANNEL") or "tummler-socketio"

    # Stored pages (forum/cache.py): listings and visitors' pages show view counts and "top" windows, which move
    # without a write, for at most PAGE_CACHE_SECONDS; members' thread pages live until the next write, at most
    # THREAD_PAGE_SECONDS. 0 turns stored pages off.
    PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "300"))
    THREAD_PAGE_SECONDS = int(os.environ.get("THREAD_PAGE_SECONDS", "3600"))
    # Rendered pages shared by every process (forum/cache.py); each process keeps its own copy in any case.
    PAGE_STORE_REDIS_URL = os.environ.get("PAGE_STORE_REDIS_URL") or os.environ.get("REDIS_URL") or None
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or (
        os.environ.get("REDIS_URL") or "memory://"
    )
    # Flask-Limiter would put its own window's reset in Retry-After on every response of a limited route, even
    # when something else refused (a paused sign-in name); the 429 answers set Retry-After themselves instead,
    # to the wait they state in words (community/ratelimits.py).
    RATELIMIT_HEADERS_ENABLED = False
    # Joining, per client address: accounts actually made (mistakes on the form cost nothing), and tries of
    # any outcome (a looser guard against scripts).
    SIGNUPS_PER_ADDRESS = "5 per hour"
    SIGNUP_ATTEMPTS_PER_ADDRESS = "30 per hour"
    # Behind a reverse proxy: how many proxies in front of the app set X-Forwarded-For, -Proto and -Host.
    # 0 (the default) means no proxy, and those headers are ignored: anyone can send them.
    PROXY_FIX_X_FOR = int(os.environ.get("PROXY_FIX_X_FOR") or 0)
    PROXY_FIX_X_PROTO = int(os.environ.get("PROXY_FIX_X_PROTO") or 0)
    PROXY_FIX_X_HOST = int(os.environ.get("PROXY_FIX_X_HOST") or 0)

    MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "community@localhost")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "").lower() in ("1", "true", "yes")
    MAIL_USE_SSL = os.environ.get("MAIL_USE_SSL", "").lower() in ("1", "true", "yes")
    MAIL_TIMEOUT = 10

    # Background jobs (docs/JOBS.md): `flask jobs worker` runs them, on Huey's SQLite queue under instance/ or on
    # Redis when REDIS_URL is set. With JOBS_IN_PROCESS each web process runs them in a thread instead (make run).
    JOBS_IN_PROCESS = os.environ.get("JOBS_IN_PROCESS", "1").lower() not in ("0", "false", "no")
    JOBS_IMMEDIATE = False  # tests: a job runs in the process that committed it, right after the commit
    JOBS_QUEUE_PATH = os.environ.get("JOBS_QUEUE_PATH") or None  # default: instance/jobs-queue.db
    JOBS_REDIS_URL = os.environ.get("JOBS_REDIS_URL") or None  # default: REDIS_URL
    JOBS_QUEUE_NAME = os.environ.get("JOBS_QUEUE_NAME") or "tummler-jobs"  # Redis key prefix
    JOBS_WORKERS = int(os.environ.get("JOBS_WORKERS") or 2)
    JOBS_LEASE_SECONDS = int(os.environ.get("JOBS_LEASE_SECONDS") or 300)  # a job running longer is taken for lost
    JOBS_REQUEUE_AFTER = int(os.environ.get("JOBS_REQUEUE_AFTER") or 120)
    JOBS_MAX_ATTEMPTS = int(os.environ.get("JOBS_MAX_ATTEMPTS") or 8)
    JOBS_RETRY_DELAY = int(os.environ.get("JOBS_RETRY_DELAY") or 30)  # doubled after each failed attempt...
    JOBS_RETRY_MAX_DELAY = 3600  # ...up to an hour
    JOBS_POLL_SECONDS = 2.0
    JOBS_SHUTDOWN_TIMEOUT = 30

    # Accounts: how stale last_seen_at may get before a request refreshes it, and invitation limits.
    LAST_SEEN_INTERVAL = 300
    DEVICE_SESSIONS_MAX = 50  # signed-in devices kept per member; the longest unused are signed out first
    # Sign-in back-off per username or email (auth/backoff.py): this many wrong passwords in a row pause signing
    # in with it for the first pause, doubled after each further one up to the cap; a streak idle this long is
    # forgotten.
    SIGN_IN_FAILURES_BEFORE_PAUSE = 5
    SIGN_IN_PAUSE_FIRST_SECONDS = 30
    SIGN_IN_PAUSE_MAX_SECONDS = 3600
    SIGN_IN_FAILURES_FORGOTTEN_AFTER = 24 * 3600
    INVITE_BATCH_MAX = 1000
    INVITES_PER_DAY = 3000
    # Password reset links live this many seconds; each address gets a few mails an hour, each IP a few asks.
    PASSWORD_RESET_MAX_AGE = int(os.environ.get("PASSWORD_RESET_MAX_AGE", "3600"))
    # The public address (https://community.example.com) that links in account emails start with; without it
    # they follow the request's Host header, which whoever sends the request chooses.
    SITE_URL = os.environ.get("SITE_URL") or None
    # Host names this site answers to (comma-separated); any other Host gets a 400 before a page is built or stored.
    TRUSTED_HOSTS = [h.strip() for h in os.environ.get("TRUSTED_HOSTS", "").split(",") if h.strip()] or None
    PASSWORD_RESETS_PER_ACCOUNT = "3 per hour"
    PASSWORD_RESET_REQUESTS_PER_IP = "5 per hour"

    # One line per request and everything else the app logs (community/logs.py): DEBUG, INFO, WARNING or ERROR;
    # "text" for people reading a terminal, "json" for a log collector.
    LOG_LEVEL = (os.environ.get("LOG_LEVEL") or "INFO").upper()
    LOG_FORMAT = (os.environ.get("LOG_FORMAT") or "text").lower()

    # /healthz: changes waiting for the search indexer longer than this many seconds mark search as behind.
    HEALTH_SEARCH_LAG_SECONDS = float(os.environ.get("HEALTH_SEARCH_LAG_SECONDS") or 300)

    SITE_NAME = os.environ.get("SITE_NAME", "Tummler")
    THREADS_PER_PAGE = 30
    POSTS_PER_PAGE = 20
    MEMBERS_PER_PAGE = 40

    # Chat: message length, per-member rate (shared across processes through Redis when REDIS_URL is
    # set), history page size and how many missed messages one catch-up reply carries.
    CHAT_MESSAGE_MAX = 2000
    CHAT_RATE_LIMIT = os.environ.get("CHAT_RATE_LIMIT") or "5 per 5 seconds"
    CHAT_HISTORY_PAGE = 50
    CHAT_SYNC_MAX = 500
    CHAT_MAX_MENTIONS = 10
    # With Redis: seconds after which the people on a crashed server process vanish from presence.
    CHAT_PRESENCE_TTL = int(os.environ.get("CHAT_PRESENCE_TTL", "30"))

    # Length limits shared by forms, actions and socket handlers.
    TITLE_MAX = 200
    POST_MAX = 20000
    BIO_MAX = 2000


class DevelopmentConfig(Config):
    """`make run`: one machine, a key generated into instance/ on first run, the demo community loaded."""

    NAME = "development"
    LOAD_DEMO_ON_FIRST_RUN = True


_SITE = urlsplit(Config.SITE_URL or "")


class ProductionConfig(Config):
    """`make serve` and wsgi.py unless TUMMLER_CONFIG says otherwise: serving real members, maybe on several
    machines, so nothing is generated per machine and HTTPS (a SITE_URL starting https://) means secure cookies."""

    NAME = "production"
    # A key generated into instance/ differs per machine: sessions signed on one would be refused by the next.
    SECRET_KEY_REQUIRED = True
    SECRET_KEY = os.environ.get("SECRET_KEY") or None
    LOAD_DEMO_ON_FIRST_RUN = False
    # Cookies travel over HTTPS only when the site is served over HTTPS (SESSION_COOKIE_SECURE=0 overrides).
    SESSION_COOKIE_SECURE = _flag("SESSION_COOKIE_SECURE", default=_SITE.scheme == "https")
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    PREFERRED_URL_SCHEME = "https" if _SITE.scheme == "https" else "http"
    # The site's own host name answers; others get a 400 before a page is built (TRUSTED_HOSTS widens it).
    TRUSTED_HOSTS = Config.TRUSTED_HOSTS or ([_SITE.hostname] if _SITE.hostname else None)


class TestingConfig(Config):
    TESTING = True
    WTF_CSRF_ENABLED = True  # tests that skip CSRF do so by fetching a token, not by turning it off
    RATELIMIT_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    SEARCH_INDEXER_IN_PROCESS = False
    JOBS_IN_PROCESS = False
    JOBS_IMMEDIATE = True
    SECRET_KEY = "test-secret-key-not-for-production"
    # Tests create hundreds of accounts; a cheap hash keeps them fast. Never used outside tests.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    REDIS_URL = None
    PAGE_STORE_REDIS_URL = None
    SERVER_NAME = None


CONFIGS = {"production": ProductionConfig, "development": DevelopmentConfig}


def config_from_environment(default="production"):
    """The Config class TUMMLER_CONFIG names (production or development)."""
    name = (os.environ.get("TUMMLER_CONFIG") or default).strip().lower()
    if name not in CONFIGS:
        raise ConfigurationError(f"TUMMLER_CONFIG={name!r} is not a configuration: use one of {', '.join(CONFIGS)}.")
    return CONFIGS[name]


def require_secret_key(config):
    """Refuse a configuration that needs an explicit SECRET_KEY and has none."""
    if config.get("SECRET_KEY_REQUIRED") and not config.get("SECRET_KEY"):
        raise ConfigurationError(
            "SECRET_KEY is not set: production (TUMMLER_CONFIG=production) needs one secret shared by every machine "
            "and process, e.g. SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))'); "
            "TUMMLER_CONFIG=development generates one into instance/ instead.")
