"""`haven bench intake` runs end to end on a tiny size: the production server on a throwaway
PostgreSQL cluster, wrk through the form and the API, one JSON object out."""

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import is_postgres
from tests.pgcluster import private_cluster

pytestmark = pytest.mark.skipif(not is_postgres(), reason="runs in the PostgreSQL half only")


def test_the_intake_bench_drives_form_and_api_and_prints_one_json_object(tmp_path: Path) -> None:
    if shutil.which("wrk") is None:
        pytest.skip("wrk is missing: scripts/test-system installs it")
    with private_cluster() as cluster:
        environment = {
            "HAVEN_ENV": "development",
            "HAVEN_DATABASE_URL": cluster.url,
            "HAVEN_DATA_DIR": str(tmp_path / "var"),
            "HAVEN_MEMBER_KDF": "min",
        }
        cluster.haven("migrate", "-v0", environment=environment)
        printed = cluster.haven(
            "bench", "intake", "--seconds", "1", "--rates", "20", "--port", "8783", "--json",
            environment=environment,
        )  # fmt: skip
    result = json.loads(printed)
    rows = {(row["endpoint"], row["offered"]): row for row in result["rows"]}
    assert set(rows) == {
        ("healthz", "max"),
        ("ask page", "max"),
        ("form", "max"),
        ("api", "max"),
        ("form", "20/s"),
        ("api", "20/s"),
    }
    for (endpoint, _offered), row in rows.items():
        assert row["requests"] > 0 and row["errors"] == 0, (endpoint, row)
        # What each request cost the machine, and how much of the time was not its own.
        assert row["cpu_ms_per_request"] > 0, (endpoint, row)
        assert 0 <= row["stolen"] < 1, (endpoint, row)
    # A sealed, stored request costs more than answering /healthz.
    assert (
        rows[("api", "max")]["cpu_ms_per_request"] > rows[("healthz", "max")]["cpu_ms_per_request"]
    )
    assert rows[("healthz", "max")]["ratio_to_healthz"] == 1.0
    # Every answered post stored one request (some more may be stored as wrk stops mid-flight).
    assert result["stored"] >= result["answered_without_error"] > 0
    # haven worker ran beside the server, as in production, and linked audit events meanwhile.
    assert result["job_workers"] == 1
    assert result["audit_events_waiting"] < result["stored"]
    # A second of flood may stay within 600 a minute here; the figures are there all the same.
    assert result["flood"]["requests"] > 0 and result["flood"]["budget_per_minute"] == 600
