"""Configuration read from environment variables.

``DATABASE_URL`` selects the database (SQLite in the instance folder by default),
``SECRET_KEY`` is required outside development and testing, ``REDIS_URL`` (optional)
backs rate limits, and ``MAIL_BACKEND`` chooses how mail leaves the platform.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any


class ConfigError(RuntimeError):
    """The environment does not describe a usable configuration."""


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for plain ``postgres://`` URLs."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


class Config:
    DEBUG = False
    TESTING = False
    SECRET_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {}
    # A pooled connection unused this long is pinged before use (core/pool.py); one used a
    # moment ago is not (a round trip saved on every request of a busy server).
    DATABASE_PING_IDLE_SECONDS = 1.0
    SQLALCHEMY_RECORD_QUERIES = False
    WTF_CSRF_TIME_LIMIT = None
    MAX_CONTENT_LENGTH = 12 * 1024 * 1024
    MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
    MAX_IMPORT_BYTES = 5 * 1024 * 1024
    # A file of offline submissions: 20,000 rows of long comments (one of 14.6 MB was met).
    # Its upload page alone takes a body this large (core.guards.allow_larger_body).
    MAX_SUBMISSIONS_IMPORT_BYTES = 40 * 1024 * 1024
    MAX_ATTACHMENTS_PER_SUBMISSION = 10
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    LANGUAGES = ["en", "fr", "es", "ar", "zh", "ru"]
    BABEL_TRANSLATION_DIRECTORIES = os.path.dirname(os.path.abspath(__file__)) + "/translations"
    RATELIMIT_ENABLED = True
    # In the process without Redis (extensions.SweptMemoryStorage: limits' memory storage
    # without a thread start a request); in Redis, shared by every host, with REDIS_URL.
    RATELIMIT_STORAGE_URI = "memory-swept://"
    RATELIMIT_HEADERS_ENABLED = True
    # Redis away: limits are counted in the process meanwhile, never a failed request.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    # Password reset requests and resets, per address.
    LOGIN_RATE_LIMIT = "10 per minute; 50 per hour"
    # Failed sign-ins only (accounts/throttle.py): per account, then per address.
    LOGIN_ACCOUNT_FAILURES = "10 per 15 minutes"
    LOGIN_ADDRESS_FAILURES = "100 per hour"
    REGISTER_RATE_LIMIT = "5 per minute; 30 per hour"
    SUBMIT_RATE_LIMIT = "30 per minute"
    API_RATE_LIMIT = "600 per minute"
    API_COUNT_CACHE_SECONDS = 30
    PASSWORD_RESET_MAX_AGE = 3600
    # Second factor (TOTP) of secretariat and admin accounts: the name authenticator apps
    # show, how long the step between password and code may take, and wrong codes allowed.
    TWO_FACTOR_ISSUER = "UN consultation platform"
    TWO_FACTOR_PENDING_SECONDS = 300
    TWO_FACTOR_FAILURES = "5 per 15 minutes"
    # How long the link that confirms a registration's address works (seconds).
    REGISTRATION_MAX_AGE = 48 * 3600
    # A sign-in lasts SESSION_HOURS, or REMEMBER_DAYS with "remember me" (weeks, not a year).
    SESSION_HOURS = 12
    REMEMBER_DAYS = 14
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    # The address the public reaches the platform at (links in e-mails are built from it,
    # never from the request's Host header). Required in production, where requests for
    # other hosts than PUBLIC_URL's (and ALLOWED_HOSTS, comma-separated) are refused.
    PUBLIC_URL: str | None = None
    ALLOWED_HOSTS: list[str] = []
    COMMENTS_PER_PAGE = 20
    PER_PAGE = 25
    MAIL_BACKEND = "console"
    MAIL_FILE_PATH: str | None = None
    MAIL_DEFAULT_SENDER = "consultations@example.org"
    MAIL_SERVER = "localhost"
    MAIL_PORT = 25
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_USE_TLS = False
    REDIS_URL: str | None = None
    # Dashboard and per-provision figures may be kept this many seconds (0: computed on every
    # request, the default). With REDIS_URL the cache is in Redis, shared by every host.
    FIGURES_CACHE_SECONDS = 0
    # /metrics answers only a request with "Authorization: Bearer <METRICS_TOKEN>" or from
    # one of METRICS_ALLOWED_NETWORKS (comma-separated addresses or CIDR networks, e.g.
    # "10.0.0.0/8,127.0.0.1"); 404 otherwise. Without either it is open in development only.
    METRICS_TOKEN: str | None = None
    METRICS_ALLOWED_NETWORKS: list[str] = []
    METRICS_OPEN = False
    # Public figures withhold every slice of participants (a category, a regional group...)
    # counting fewer organisations than this, so that no one is recognisable from them
    # (docs/security.md, F9); 1 shows everything. The secretariat always sees every figure.
    PUBLIC_MIN_CELL_SIZE = 3
    # "json": logs as one JSON object a line with the request id (core/observability.py).
    LOG_FORMAT = "text"
    LOG_LEVEL = "INFO"
    # Where files live (core/storage.py): "local" (FILE_STORAGE_DIR, by default the instance
    # folder; one machine) or "database" (the stored_files table, shared by every host).
    FILE_STORAGE = "local"
    FILE_STORAGE_DIR: str | None = None
    # Export files (default: <instance>/exports); jobs go on this RQ queue when REDIS_URL
    # is set, run in a thread otherwise, or inline when EXPORTS_SYNC is true.
    EXPORTS_DIR: str | None = None
    EXPORTS_QUEUE = "exports"
    EXPORTS_SYNC = False
    # A running job touches its row this often; one silent for EXPORTS_STALE_SECONDS is
    # reported as stopped (its process died) and may be started again.
    EXPORTS_HEARTBEAT_SECONDS = 30
    EXPORTS_STALE_SECONDS = 300
    # The worker looks for jobs whose process died this often, and starts them again, up
    # to EXPORTS_MAX_ATTEMPTS runs in all (then the job is recorded as failed).
    EXPORTS_RECOVERY_SECONDS = 60
    EXPORTS_MAX_ATTEMPTS = 3
    # Number of reverse proxies (load balancers) in front of the app whose X-Forwarded-*
    # headers are trusted, so that rate limits see the real client address.
    TRUSTED_PROXIES = 0
    # Consensus rule (docs/consensus.md): shares are of the States that took a position.
    CONSENSUS_MIN_STATES = 5
    CONSENSUS_MIN_GROUPS = 2
    CONSENSUS_BRACKETED_OPPOSITION = 0.33
    CONSENSUS_CONTESTED_OPPOSITION = 0.15
    CONSENSUS_BROAD_SUPPORT = 0.75
    CONSENSUS_AGREED_SUPPORT = 0.9
    CONSENSUS_AGREED_MIN_GROUPS = 4
    CONSENSUS_AGREED_MAX_RESERVATIONS = 0
    CONSENSUS_MAX_GROUPS_WITHOUT_SUPPORT = 1
    # Proposed amendments whose word sets overlap at least this much are grouped together.
    AMENDMENT_SIMILARITY = 0.6
    # A duplicate group with comments from at least this many organisations is a campaign.
    CAMPAIGN_MIN_ORGS = 3
    # The host's identity, shown in the header and footer of every page. PLATFORM_NAME and
    # HOST_ORGANISATION are a text, or a text per language ({"": default, "fr": ...}; from
    # the environment: PLATFORM_NAME, PLATFORM_NAME_FR, ...). Without a name the platform
    # calls itself "Consultations" in the reader's language. HOST_LOGO_URL is an image of
    # this site (e.g. /static/logo.svg) or of the origin it names, which the CSP then allows.
    PLATFORM_NAME: str | dict[str, str] | None = None
    HOST_ORGANISATION: str | dict[str, str] | None = None
    HOST_LOGO_URL: str | None = None
    CONTACT_EMAIL: str | None = None

    @classmethod
    def from_env(cls) -> dict[str, Any]:
        """Settings that the environment overrides for every configuration."""
        values: dict[str, Any] = {}
        if os.environ.get("SECRET_KEY"):
            values["SECRET_KEY"] = os.environ["SECRET_KEY"]
        if os.environ.get("PUBLIC_URL"):
            values["PUBLIC_URL"] = os.environ["PUBLIC_URL"].strip().rstrip("/")
        if os.environ.get("ALLOWED_HOSTS"):
            values["ALLOWED_HOSTS"] = [
                h.strip().lower() for h in os.environ["ALLOWED_HOSTS"].split(",") if h.strip()
            ]
        for name in ("SESSION_HOURS", "REMEMBER_DAYS", "REGISTRATION_MAX_AGE"):
            if os.environ.get(name, "").strip().isdigit():
                values[name] = int(os.environ[name])
        if "REMEMBER_DAYS" in values:
            values["REMEMBER_COOKIE_DURATION"] = timedelta(days=values["REMEMBER_DAYS"])
        if os.environ.get("DATABASE_PING_IDLE_SECONDS", "").strip():
            try:
                idle = float(os.environ["DATABASE_PING_IDLE_SECONDS"])
            except ValueError:
                idle = -1.0
            if not 0 <= idle < float("inf"):
                raise ConfigError(
                    "DATABASE_PING_IDLE_SECONDS must be a number of seconds (0 or more)."
                )
            values["DATABASE_PING_IDLE_SECONDS"] = idle
        if os.environ.get("DATABASE_URL"):
            values["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(os.environ["DATABASE_URL"])
        redis_url = os.environ.get("REDIS_URL")
        if redis_url:
            values["REDIS_URL"] = redis_url
            values["RATELIMIT_STORAGE_URI"] = redis_url
        for name in (
            "MAIL_BACKEND",
            "MAIL_FILE_PATH",
            "MAIL_DEFAULT_SENDER",
            "MAIL_SERVER",
            "MAIL_USERNAME",
            "MAIL_PASSWORD",
            "API_RATE_LIMIT",
            "LOGIN_RATE_LIMIT",
            "LOGIN_ACCOUNT_FAILURES",
            "LOGIN_ADDRESS_FAILURES",
            "TWO_FACTOR_FAILURES",
            "TWO_FACTOR_ISSUER",
            "SUBMIT_RATE_LIMIT",
        ):
            if os.environ.get(name):
                values[name] = os.environ[name]
        for name in ("LOG_FORMAT", "LOG_LEVEL", "FILE_STORAGE", "FILE_STORAGE_DIR"):
            if os.environ.get(name):
                values[name] = os.environ[name].strip()
        if os.environ.get("EXPORTS_DIR"):
            values["EXPORTS_DIR"] = os.environ["EXPORTS_DIR"]
        if os.environ.get("METRICS_TOKEN", "").strip():
            values["METRICS_TOKEN"] = os.environ["METRICS_TOKEN"].strip()
        if os.environ.get("METRICS_ALLOWED_NETWORKS", "").strip():
            values["METRICS_ALLOWED_NETWORKS"] = metrics_networks(
                os.environ["METRICS_ALLOWED_NETWORKS"]
            )
        if os.environ.get("PUBLIC_MIN_CELL_SIZE", "").strip().isdigit():
            values["PUBLIC_MIN_CELL_SIZE"] = max(1, int(os.environ["PUBLIC_MIN_CELL_SIZE"]))
        for name in ("EXPORTS_HEARTBEAT_SECONDS", "EXPORTS_STALE_SECONDS",
                     "EXPORTS_RECOVERY_SECONDS", "EXPORTS_MAX_ATTEMPTS",
                     "MAX_SUBMISSIONS_IMPORT_BYTES"):
            if os.environ.get(name, "").strip().isdigit():
                values[name] = int(os.environ[name])
        if os.environ.get("FIGURES_CACHE_SECONDS", "").strip().isdigit():
            values["FIGURES_CACHE_SECONDS"] = int(os.environ["FIGURES_CACHE_SECONDS"])
        if os.environ.get("MAIL_PORT", "").strip().isdigit():
            values["MAIL_PORT"] = int(os.environ["MAIL_PORT"])
        if os.environ.get("RATELIMIT_ENABLED") is not None:
            values["RATELIMIT_ENABLED"] = _bool("RATELIMIT_ENABLED", True)
        if os.environ.get("MAIL_USE_TLS") is not None:
            values["MAIL_USE_TLS"] = _bool("MAIL_USE_TLS", False)
        proxies = os.environ.get("TRUSTED_PROXIES", "").strip()
        if proxies.isdigit():
            values["TRUSTED_PROXIES"] = int(proxies)
        if os.environ.get("SESSION_COOKIE_SECURE") is not None:
            secure = _bool("SESSION_COOKIE_SECURE", True)
            values["SESSION_COOKIE_SECURE"] = secure
            values["REMEMBER_COOKIE_SECURE"] = secure
        for name in ("PLATFORM_NAME", "HOST_ORGANISATION"):
            texts = {
                language.lower(): os.environ[f"{name}_{language.upper()}"]
                for language in cls.LANGUAGES
                if os.environ.get(f"{name}_{language.upper()}")
            }
            if os.environ.get(name):
                texts[""] = os.environ[name]
            if texts:
                values[name] = texts
        for name in ("HOST_LOGO_URL", "CONTACT_EMAIL"):
            if os.environ.get(name):
                values[name] = os.environ[name]
        return values


class DevelopmentConfig(Config):
    # No key in the code: ``instance_secret_key`` makes a random one per instance folder.
    DEBUG = True
    METRICS_OPEN = True  # without METRICS_TOKEN / METRICS_ALLOWED_NETWORKS
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False


class TestingConfig(Config):
    TESTING = True
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    RATELIMIT_ENABLED = False
    WTF_CSRF_ENABLED = False
    SQLALCHEMY_RECORD_QUERIES = True
    MAIL_BACKEND = "memory"
    API_COUNT_CACHE_SECONDS = 0
    FIGURES_CACHE_SECONDS = 0
    # The figures tests count a handful of organisations: suppression is tested on its own
    # (tests/summaries/test_disclosure.py sets the production default).
    PUBLIC_MIN_CELL_SIZE = 1
    EXPORTS_SYNC = True


def metrics_networks(value: str) -> list[str]:
    """The networks of METRICS_ALLOWED_NETWORKS, each checked (a bad one stops the start)."""
    networks = []
    for item in value.split(","):
        if not item.strip():
            continue
        try:
            networks.append(str(ipaddress.ip_network(item.strip(), strict=False)))
        except ValueError as error:
            message = f"METRICS_ALLOWED_NETWORKS: {item.strip()!r} is not a network."
            raise ConfigError(message) from error
    return networks


class ProductionConfig(Config):
    pass


# Keys that appear in code, examples or earlier versions of this project: never accepted.
KNOWN_KEYS = frozenset(
    {
        "dev-only-not-secret",
        "testing-only",
        "dev",
        "secret",
        "secret-key",
        "changeme",
        "change-me",
        "please-change-me",
        "your-secret-key",
        "development",
    }
)
MIN_SECRET_KEY_LENGTH = 32


def check_secret_key(secret: str | None) -> None:
    """Refuse a missing, short or published secret key (production)."""
    if not secret:
        raise ConfigError("SECRET_KEY must be set in the environment outside development.")
    if secret.strip().lower() in KNOWN_KEYS or secret.startswith(("dev-only", "testing-only")):
        raise ConfigError("SECRET_KEY is a published example key: generate a random one.")
    if len(secret) < MIN_SECRET_KEY_LENGTH:
        raise ConfigError(
            f"SECRET_KEY is too short: use at least {MIN_SECRET_KEY_LENGTH} random characters "
            '(python -c "import secrets; print(secrets.token_urlsafe(48))").'
        )


def instance_secret_key(instance_path: str) -> str:
    """A random key made once for this instance folder and kept there (development)."""
    path = Path(instance_path) / "secret_key"
    try:
        key = path.read_text().strip()
        if len(key) >= MIN_SECRET_KEY_LENGTH:
            return key
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def get_config(name: str | None) -> type[Config]:
    name = name or os.environ.get("CONSULT_ENV") or "development"
    try:
        return CONFIGS[name]
    except KeyError:
        raise ConfigError(f"Unknown configuration {name!r}; use one of {sorted(CONFIGS)}") from None
