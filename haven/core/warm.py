"""Readying a web process before it takes its first request.

Importing the URLconf (every view, form and API schema) takes a new process about 1.5 s, and
the first page drawn compiles its templates. Without this, the first requests a fresh process
takes (after a start, a deploy or a crash, which is when a surge is most likely to be queueing)
wait that long. It runs when haven.wsgi is imported: once in gunicorn's master, which forks the
workers ready (`--preload`, see `haven serve`). It opens no database connection: one made before
the fork would be shared by every worker.
"""

from pathlib import Path

from django.conf import settings
from django.template import engines
from django.urls import get_resolver
from django.utils import translation


def warm_up() -> None:
    """Import every view, load every catalogue, codename list and template."""
    from haven.crypto.codenames import load_word_lists

    get_resolver()._populate()  # private, but what the first resolve() would do anyway
    load_word_lists()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Ask for help")
    engine = engines["django"]
    for directory in engine.template_dirs:
        for path in sorted(Path(directory).rglob("*.html")):
            engine.get_template(path.relative_to(directory).as_posix())
