import json
import subprocess
import sys

import numpy as np
import pytest

from haven.matching.engine import bench
from haven.matching.engine.shapes import SHAPES, shaped_instance
from tests.conftest import SQLITE_HALF_ONLY

pytestmark = SQLITE_HALF_ONLY


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


def test_every_shape_gives_a_sound_row_against_its_own_bound():
    results = bench.run_shapes(600, 180, 3, list(SHAPES), ["greedy", "haven"], workers=1)
    assert list(results) == list(SHAPES)
    for name, result in results.items():
        assert result["instance"]["shape"] == name
        assert result["lp_bound"]["exact"]
        for method in ("greedy", "haven"):
            assert result[method]["violations"] == 0
            assert 0 < result[method]["ratio_to_lp"] <= 1
    table = bench.format_shapes(results)
    assert all(f"\n{name} " in table for name in SHAPES)


def test_shapes_change_what_they_say():
    base = shaped_instance("surge", 3000, 900, 1)
    people = base.problem.requests.size.sum()
    beds = base.problem.offers.capacity.sum()
    tight = shaped_instance("tight-beds", 3000, 900, 1).problem.offers.capacity
    loose = shaped_instance("loose-beds", 3000, 900, 1).problem.offers.capacity
    assert tight.sum() < beds < loose.sum() and tight.max() <= 2
    families = shaped_instance("large-families", 3000, 900, 1).problem.requests.size
    assert families.sum() > 2 * people and families.max() == 8
    town = shaped_instance("border-town", 3000, 900, 1)
    places = [p.id for p in town.places]
    assert np.mean(town.request_place == places.index("ge-stepantsminda")) > 0.3
    few = shaped_instance("few-places", 3000, 900, 1)
    assert {few.places[k].country for k in few.request_place} == {"KZ", "GE", "AM"}
    six = shaped_instance("six-countries", 3000, 900, 1)
    assert len({six.places[k].country for k in six.request_place}) == 6
    ratio = six.problem.requests.size.sum() / six.problem.offers.capacity.sum()
    assert 1.8 < ratio < 2.3
    assert set(np.unique(six.problem.requests.size)) == {1, 2, 3, 4}
    with pytest.raises(ValueError, match="unknown shape"):
        shaped_instance("square", 10, 10, 1)


def test_an_unknown_shape_is_refused(capsys):
    with pytest.raises(SystemExit):
        bench.main(["--shapes", "surge,square"])
    assert "unknown shape" in capsys.readouterr().err
