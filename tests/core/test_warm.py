"""A web process is ready before its first request, and readying it touches no database (gunicorn
readies it once, before forking the workers: a connection made then would be shared by all)."""

import json
import os
import subprocess
import sys
from pathlib import Path

PROBE = """
import json, sys
import haven.wsgi
from django.db import connections
from django.template import engines
loader = engines["django"].engine.template_loaders[0]
print(json.dumps({
    "connected": connections["default"].connection is not None,
    "views": sorted(m for m in ("haven.intake.views", "haven.api.api") if m in sys.modules),
    "templates": sorted(key.split(":")[0] for key in loader.get_template_cache),
}))
"""


def test_importing_the_application_readies_it_without_a_database(tmp_path: Path) -> None:
    environment = {
        **os.environ,
        "HAVEN_ENV": "development",
        "HAVEN_DATA_DIR": str(tmp_path),
        # Nothing listens on port 1: any attempt to connect would fail the import.
        "HAVEN_DATABASE_URL": "postgres://haven@127.0.0.1:1/nothing",
    }
    done = subprocess.run(  # this interpreter, a fixed script
        [sys.executable, "-c", PROBE],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    ready = json.loads(done.stdout.splitlines()[-1])
    assert ready["connected"] is False
    assert ready["views"] == ["haven.api.api", "haven.intake.views"]
    for page in ("intake/ask.html", "intake/codename.html", "intake/busy.html", "error.html"):
        assert page in ready["templates"]
