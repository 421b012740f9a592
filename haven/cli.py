"""The `haven` command: a thin front over Django's management commands.

`haven demo`, `haven serve`, `haven org create`, `haven audit verify` and every other Django
management command (`haven migrate`, `haven check --deploy`, …) run through here.
"""

import os
import sys

HAVEN_COMMANDS = {
    "demo": "Set up a demo network on SQLite and serve it on http://127.0.0.1:8000",
    "serve": "Serve Haven with gunicorn (production: behind a reverse proxy)",
    "org": "Create, list, configure organisations; suspend; rotate-key (haven org --help)",
    "audit": "Check the audit chain (haven audit verify)",
    "worker": "Run the recurring jobs (audit linking, the optimiser's surge signal, shredding, …)",
    "bot": "Run the Matrix bot, a chat front door for requests (docs/bot.md)",
    "shred": "Shred the cases past their retention period (haven shred --due)",
    "match": "Print what the bed optimiser proposes, country by country",
    "bench": (
        "Benchmarks: haven bench desk | intake | case | suggest | potentials | match | online"
        " | referral | rotate"
    ),
    "migrate": "Create or update the database tables",
    "check": "Check the configuration (haven check --deploy in production)",
}

USAGE = """usage: haven [--data-dir DIR] COMMAND [options]

Haven's commands:
{commands}

Any other Django management command works too; `haven COMMAND --help` explains one.
--data-dir DIR (or HAVEN_DATA_DIR) puts the SQLite database and development secrets in DIR
instead of ./var.
"""


def _take_data_dir(argv: list[str]) -> list[str]:
    """Apply --data-dir before Django reads its settings, and drop it from the arguments."""
    rest: list[str] = []
    index = 0
    while index < len(argv):
        argument = argv[index]
        if argument == "--data-dir" and index + 1 < len(argv):
            os.environ["HAVEN_DATA_DIR"] = os.path.abspath(argv[index + 1])
            index += 2
            continue
        if argument.startswith("--data-dir="):
            os.environ["HAVEN_DATA_DIR"] = os.path.abspath(argument.split("=", 1)[1])
        else:
            rest.append(argument)
        index += 1
    return rest


def main(argv: list[str] | None = None) -> None:
    """Run one Haven command."""
    arguments = _take_data_dir(list(sys.argv[1:] if argv is None else argv))
    if not arguments or arguments[0] in {"-h", "--help", "help"}:
        width = max(len(name) for name in HAVEN_COMMANDS)
        lines = "\n".join(f"  {name:<{width}}  {text}" for name, text in HAVEN_COMMANDS.items())
        sys.stdout.write(USAGE.format(commands=lines))
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haven.settings")
    import django
    from django.core.management import execute_from_command_line
    from django.utils import translation

    django.setup()
    # Speak the admin's language (from LANG), not the site's default.
    translation.activate(_terminal_language())
    execute_from_command_line(["haven", *arguments])


def _terminal_language() -> str:
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable, "")
        if value:
            return "ru" if value.lower().startswith("ru") else "en"
    return "en"


if __name__ == "__main__":
    main()
