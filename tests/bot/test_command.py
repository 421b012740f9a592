"""`haven bot` says what to set before it starts, and its help says what it does."""

import pytest
from django.core.management import CommandError, call_command

from haven.accounts.models import Organisation


def test_the_bot_names_what_is_missing(
    organisation: Organisation, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HAVEN_BOT_PASSWORD", raising=False)
    monkeypatch.delenv("HAVEN_BOT_PASSWORD_FILE", raising=False)
    with pytest.raises(CommandError, match="--homeserver and --user"):
        call_command("bot", homeserver="", user="")
    with pytest.raises(CommandError, match="HAVEN_BOT_PASSWORD_FILE"):
        call_command("bot", homeserver="http://127.0.0.1:1", user="@haven:haven.test")
    with pytest.raises(CommandError, match="No organisation with the slug 'nobody'"):
        call_command(
            "bot", homeserver="http://127.0.0.1:1", user="@haven:haven.test", organisation="nobody"
        )


def test_the_bot_needs_an_organisation_named_when_several_take_requests(
    organisation: Organisation, outsider: object
) -> None:
    with pytest.raises(CommandError, match="--organisation SLUG"):
        call_command("bot", homeserver="http://127.0.0.1:1", user="@haven:haven.test")
