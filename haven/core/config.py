"""Typed readers for settings that come from the environment.

Each reader fails loudly, naming the variable to fix, instead of running on a bad value.
"""

import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured


def env_str(name: str, default: str) -> str:
    """Return the variable's text, or the default when it is unset or empty."""
    return os.environ.get(name) or default


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    """Return the variable as a whole number of at least `minimum`."""
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}.")
    return value


def env_bool(name: str, default: bool) -> bool:
    """Return the variable as a yes/no flag (1/0, true/false, yes/no, on/off)."""
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}.")


def env_list(name: str, default: list[str]) -> list[str]:
    """Return the variable as a comma-separated list."""
    raw = os.environ.get(name)
    if not raw:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def secret(name: str, *, production: bool, dev_store: Path) -> str:
    """Read a secret from NAME_FILE or NAME.

    In production a missing secret stops the process with a message that says what to set. Outside
    production a random one is made once and kept in `dev_store`, so a demo survives restarts.
    """
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        path = Path(file_name)
        try:
            value = path.read_text(encoding="utf-8").strip()
        except OSError as error:
            raise ImproperlyConfigured(
                f"{name}_FILE points to {path}, which cannot be read: {error}."
            ) from None
        if not value:
            raise ImproperlyConfigured(f"{name}_FILE points to {path}, which is empty.")
        return value
    value = os.environ.get(name, "").strip()
    if value:
        return value
    if production:
        raise ImproperlyConfigured(
            f"{name} is not set. Set {name}_FILE to the path of a file that holds it "
            f"(or {name} itself). Make one with: python3 -c 'import secrets; "
            f"print(secrets.token_hex(32))'"
        )
    path = dev_store / name.lower()
    if not path.exists():
        dev_store.mkdir(parents=True, exist_ok=True, mode=0o700)
        path.write_text(secrets.token_hex(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()
