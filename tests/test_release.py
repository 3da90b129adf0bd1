"""release/ is what `nbgrader generate_assignment` makes of source/, and holds no secret."""

from __future__ import annotations

import json
import sys

import pytest

from conftest import ASSIGNMENTS, ROOT


@pytest.mark.e2e
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_in_sync_with_source(course, assignment):
    committed = ROOT / "release" / assignment
    fresh = course / "release" / assignment
    names = sorted(p.relative_to(fresh).as_posix() for p in fresh.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(committed).as_posix() for p in committed.rglob("*") if p.is_file())
    for name in names:
        assert (fresh / name).read_bytes() == (committed / name).read_bytes(), (
            f"release/{assignment}/{name} is stale: run `make release`"
        )


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_holds_no_solution_hidden_test_or_reference(assignment):
    # the jupytext pair of the source notebook (solutions and hidden tests as text) is never copied
    assert not (ROOT / "release" / assignment / f"{assignment}.py").exists()
    for path in (ROOT / "release" / assignment).rglob("*"):
        if path.is_file() and path.suffix != ".ipynb":
            text = path.read_bytes().decode("utf-8", "replace")
            assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text, f"{path} holds a solution or a hidden test"
        if path.suffix == ".ipynb":
            text = path.read_text()
            for secret in ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS", "reference", "probe("):
                assert secret not in text, f"{path} contains {secret!r}"
            nb = json.loads(text)
            stubs = [c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("solution")]
            assert stubs and all("raise NotImplementedError()" in "".join(c["source"]) for c in stubs)
            assert all(not c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code")
            assert "jupytext" not in nb["metadata"], f"{path}: a paired notebook (jupytext#157)"


def test_source_notebooks_have_no_outputs():
    for path in (ROOT / "source").rglob("*.ipynb"):
        nb = json.loads(path.read_text())
        assert all(not c.get("outputs") and c.get("execution_count") is None for c in nb["cells"] if c["cell_type"] == "code"), path


def test_course_data_is_what_the_script_makes():
    sys.path.insert(0, str(ROOT / "tools"))
    from make_prices import make_prices, to_csv_text

    assert (ROOT / "source" / "w1_cost_minimization" / "data" / "prices.csv").read_text() == to_csv_text(make_prices())


def test_every_test_cell_has_a_trusted_check():
    from graders.kernel.harness import load_checks

    for assignment in ASSIGNMENTS:
        nb = json.loads((ROOT / "source" / assignment / f"{assignment}.ipynb").read_text())
        tests = {c["metadata"]["nbgrader"]["grade_id"] for c in nb["cells"]
                 if c["metadata"].get("nbgrader", {}).get("grade") and not c["metadata"]["nbgrader"].get("solution")}
        assert tests == set(load_checks(assignment)), assignment


def test_readme_points_are_the_notebooks_points():
    import re

    table = {m.group(1): float(m.group(2)) for m in re.finditer(r"^\| `(\w+)` \|.*\| (\d+) \|$", (ROOT / "README.md").read_text(), re.M)}
    assert list(table) == list(ASSIGNMENTS), "the README's assignment table lists the source notebooks, in term order"
    for assignment in ASSIGNMENTS:
        nb = json.loads((ROOT / "source" / assignment / f"{assignment}.ipynb").read_text())
        points = sum(c["metadata"].get("nbgrader", {}).get("points", 0) for c in nb["cells"])
        assert table.get(assignment) == points, (assignment, table.get(assignment), points)
