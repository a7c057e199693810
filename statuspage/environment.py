"""Reading the environment: django-environ with secrets from files, strict booleans,
and the local file `make` leaves for shells in a checkout."""

import ipaddress
import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from environ.fileaware_mapping import FileAwareMapping

BASE_DIR = Path(__file__).resolve().parent.parent


class _StrippedFileAwareMapping(FileAwareMapping):
    """NAME_FILE=/run/secrets/name (Docker secrets) for any NAME; it wins over NAME."""

    def __getitem__(self, key):
        try:
            value = super().__getitem__(key)
        except OSError as error:
            raise ImproperlyConfigured(
                f"{key}_FILE={self.env.get(key + '_FILE')!r} cannot be read: {error.strerror}."
            ) from error
        # Secret files usually end with a newline, which is not part of the secret.
        return value.strip()


class _Env(environ.Env):
    ENVIRON = _StrippedFileAwareMapping()


env = _Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env", overwrite=False)

_BOOLEANS = {"true": True, "1": True, "yes": True, "on": True}
_BOOLEANS |= {"false": False, "0": False, "no": False, "off": False, "": False}


def env_bool(name, default):
    """A boolean that refuses typos: DEBUG=flase must not quietly mean False."""
    value = env.str(name, default=str(default)).strip().lower()
    if value not in _BOOLEANS:
        raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")
    return _BOOLEANS[value]


def read_local_env(path: Path) -> None:
    """`make setup` writes the generated key's file and the port `make run` serves on to
    VAR_DIR/local.env, so that a shell in the checkout needs nothing exported. Production
    has no such file, and whatever the environment says wins (SECRET_KEY set there wins
    over a SECRET_KEY_FILE from here)."""
    if not path.is_file():
        return
    for line in path.read_text().splitlines():
        name, _, value = line.partition("=")
        plain = name.removesuffix("_FILE")
        if value and not line.startswith("#") and not {plain, f"{plain}_FILE"} & set(os.environ):
            os.environ[name] = value


def is_domain(host: str) -> bool:
    """A name in the DNS that mail can come from: not an IP address, not a bare name."""
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return "." in host.strip(".")
    return False
