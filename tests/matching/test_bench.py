import json
import subprocess
import sys

import pytest

from haven.matching.engine import bench


def test_run_reports_every_method_against_the_bound():
    result = bench.run(400, 120, seed=5, methods=["fcfs", "greedy", "haven"], workers=1)
    assert set(result) == {"instance", "suggest", "fcfs", "greedy", "haven", "lp_bound"}
    assert result["suggest"]["requests_timed"] == 400
    assert result["lp_bound"]["exact"]
    for name in ("fcfs", "greedy", "haven"):
        row = result[name]
        assert row["violations"] == 0
        assert 0 < row["ratio_to_lp"] <= 1
        assert 0 <= row["urgent_placed_share"] <= 1
        assert row["total_s"] >= row["solve_s"]
    assert (
        result["haven"]["ratio_to_lp"]
        >= result["greedy"]["ratio_to_lp"]
        >= result["fcfs"]["ratio_to_lp"]
    )
    table = bench.format_table(result)
    assert "Haven's optimiser" in table and "LP upper bound" in table


def test_run_without_bound_has_no_ratio():
    result = bench.run(200, 60, seed=5, methods=["haven"], lp_bound=False, workers=1)
    assert "lp_bound" not in result and "ratio_to_lp" not in result["haven"]
    assert "vs LP" in bench.format_table(result)


def test_json_output_is_one_object_keyed_by_method(capsys):
    assert (
        bench.main(
            ["--requests", "300", "--offers", "90", "--seed", "2", "--json", "--workers", "1"]
        )
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert {"fcfs", "greedy", "haven", "lp_bound", "instance"} <= set(data)


def test_unknown_method_is_refused(capsys):
    with pytest.raises(SystemExit):
        bench.main(["--methods", "haven,magic"])
    assert "unknown method" in capsys.readouterr().err


def test_module_runs_as_a_command():
    done = subprocess.run(
        [sys.executable, "-m", "haven.matching.engine.bench", "--help"],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    assert "--requests" in done.stdout and "--json" in done.stdout
