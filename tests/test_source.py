"""The source notebooks are the single source of truth of the course: checks on what they hold.

``source/<a>/<a>.ipynb`` is written by hand (JupyterLab and nbgrader's Create Assignment
toolbar). Beside it, ``source/<a>/<a>.py`` is its jupytext percent-format pair (configured by
``source/jupytext.toml``), committed so reviews read plain diffs; it is derived, never the input
of ``release/``. What the old generator guaranteed by construction is checked here instead:

* the pair is in sync both ways (the ``.py`` is what jupytext writes from the ``.ipynb``, and
  reading the ``.py`` back gives the same cells and cell metadata);
* every solution region agrees with ``reference/``: the solution cell is one function whose
  syntax tree (def line, defaults, docstring and body; comments and layout aside) equals the
  reference function's, so the notebook's answer and the grader's reference cannot drift apart;
* every test cell has the hidden probe of its own assignment and grade id, points, and a
  trusted check (``tests/test_release.py``); cell and grade ids are unique; no outputs;
* ``skip-when-grading`` tags pass ``graders.autograde.budget.skip_tag_problems`` (the check
  ``calc4ml release --check`` runs on the release);
* the points in the lesson text ("(2 + 1 points)", "12 points") are the cells' points.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import os
import re
import textwrap
from pathlib import Path

import nbformat
import pytest

from conftest import ASSIGNMENTS, ROOT

SOURCE = ROOT / "source"


def source_nb(assignment: str) -> nbformat.NotebookNode:
    return nbformat.read(SOURCE / assignment / f"{assignment}.ipynb", as_version=4)


def nbgrader_meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def solution_cells(nb):
    return [c for c in nb.cells if nbgrader_meta(c).get("solution")]


def graded_cells(nb):
    return [c for c in nb.cells if nbgrader_meta(c).get("grade") and not nbgrader_meta(c).get("solution")]


def test_the_assignment_list_is_the_source_folder():
    """graders.assignments.ASSIGNMENTS (term order) names exactly the source notebooks."""
    on_disk = sorted(p.parent.name for p in SOURCE.glob("*/*.ipynb") if p.stem == p.parent.name)
    assert list(ASSIGNMENTS) == on_disk


def test_due_dates_name_every_assignment():
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()
    assert sorted(config.DueDates.dates) == sorted(ASSIGNMENTS)


def _unversioned(text: str) -> str:
    """The .py's header names the jupytext version that wrote it: an upgrade alone is no change."""
    return re.sub(r"^#\s+jupytext_version: .*\n", "", text, count=1, flags=re.M)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_jupytext_pair_is_in_sync(assignment):
    import jupytext
    from jupytext.config import load_jupytext_config

    ipynb = SOURCE / assignment / f"{assignment}.ipynb"
    pair = ipynb.with_suffix(".py")
    config = load_jupytext_config(str(ipynb))
    formats = getattr(config, "formats", None)
    formats = ",".join(formats) if isinstance(formats, list) else formats
    assert formats == "ipynb,py:percent", "source/jupytext.toml pairs ipynb with py:percent"
    expected = jupytext.writes(jupytext.read(ipynb), fmt="py:percent", config=config)
    assert pair.exists(), f"{pair.relative_to(ROOT)} is missing: run `jupytext --sync {ipynb.relative_to(ROOT)}`"
    assert _unversioned(pair.read_text()) == _unversioned(expected), (
        f"{pair.relative_to(ROOT)} is out of sync with the notebook: run `jupytext --sync {ipynb.relative_to(ROOT)}` "
        "(it keeps whichever of the two was saved last)"
    )
    # and back: the text file loses nothing a cell holds (sources, nbgrader metadata, tags)
    back = jupytext.read(pair)
    original = jupytext.read(ipynb)
    assert [(c.cell_type, c.source, c.metadata) for c in back.cells] == [
        (c.cell_type, c.source, c.metadata) for c in original.cells]


def test_only_source_is_paired():
    """A jupytext configuration elsewhere would pair the release notebooks, and jupytext's
    contents manager would then load a student's inputs from a text file (jupytext#157)."""
    from jupytext.config import JUPYTEXT_CONFIG_FILES

    configs = []
    for folder, dirs, files in os.walk(ROOT):
        # not inside virtual environments (any of them: .venv, .venv313, ...) or node's packages
        dirs[:] = [d for d in dirs if d not in (".git", ".node", "node_modules") and not (Path(folder) / d / "pyvenv.cfg").exists()]
        configs += [(Path(folder) / f).relative_to(ROOT).as_posix() for f in files if f in JUPYTEXT_CONFIG_FILES]
    assert configs == ["source/jupytext.toml"]
    for assignment in ASSIGNMENTS:
        assert "jupytext" not in source_nb(assignment).metadata, f"{assignment}: pairing belongs in source/jupytext.toml"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solutions_are_the_reference(assignment):
    """Each solution cell is one function, the same syntax tree as reference/<assignment>.py's."""
    reference = importlib.import_module(f"reference.{assignment}")
    nb = source_nb(assignment)
    assert solution_cells(nb), assignment
    for cell in solution_cells(nb):
        name = nbgrader_meta(cell)["grade_id"]
        tree = ast.parse(cell.source)
        assert len(tree.body) == 1 and isinstance(tree.body[0], ast.FunctionDef) and tree.body[0].name == name, (
            f"{assignment}: solution cell {name!r} must hold exactly the function {name}")
        head = cell.source.split("### BEGIN SOLUTION")[0]
        assert f"def {name}(" in head and "### END SOLUTION" in cell.source, (
            f"{assignment}: {name}: the def line stays above ### BEGIN SOLUTION, the body between the markers")
        assert hasattr(reference, name), f"{assignment}: reference/{assignment}.py has no {name}"
        ref = ast.parse(textwrap.dedent(inspect.getsource(getattr(reference, name)))).body[0]
        mine = tree.body[0]
        assert ast.dump(mine) == ast.dump(ref), (
            f"{assignment}: the solution of {name} differs from reference/{assignment}.py (change both):\n"
            f"--- notebook\n{ast.unparse(mine)}\n--- reference\n{ast.unparse(ref)}")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_notebook_structure(assignment):
    nb = source_nb(assignment)
    nbformat.validate(nb)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"
    ids = [c.id for c in nb.cells]
    assert len(ids) == len(set(ids)), "cell ids are unique"
    grade_ids = [nbgrader_meta(c)["grade_id"] for c in nb.cells if nbgrader_meta(c)]
    assert len(grade_ids) == len(set(grade_ids)), "grade ids are unique"
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if meta:
            assert meta.get("schema_version") == 3, cell.id
        if cell.cell_type == "code":
            assert not cell.get("outputs") and cell.get("execution_count") is None, f"{cell.id} has outputs"
    for cell in graded_cells(nb):
        meta, gid = nbgrader_meta(cell), nbgrader_meta(cell)["grade_id"]
        assert cell.cell_type == "code" and meta.get("locked") and meta.get("points", 0) > 0, gid
        hidden = re.search(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS\n", cell.source, re.S)
        assert hidden, f"{assignment}: {gid} has no hidden test region"
        # the probe first, so a failing visible assert cannot keep the exercise from being judged
        assert hidden.group(1) == f'from graders.kernel.probe import probe\nprobe("{assignment}", "{gid}", globals())\n', gid
        assert cell.source.index("### BEGIN HIDDEN TESTS") < min(
            (m.start() for m in re.finditer(r"^assert", cell.source, re.M)), default=len(cell.source)), gid
    for cell in solution_cells(nb):
        assert cell.cell_type == "code" and not nbgrader_meta(cell).get("grade"), nbgrader_meta(cell)["grade_id"]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_skip_tags_are_safe(assignment):
    from graders.autograde.budget import skip_tag_problems

    assert skip_tag_problems(source_nb(assignment)) == []


def test_measured_budgets_name_existing_cells():
    """graders/autograde/budget.py's REFERENCE_CPU is keyed by cell id: ids must stay stable."""
    from graders.autograde.budget import REFERENCE_CPU

    for assignment, cells in REFERENCE_CPU.items():
        ids = {c.id for c in source_nb(assignment).cells}
        assert set(cells) <= ids, (assignment, sorted(set(cells) - ids))


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_points_in_the_lesson_text_are_the_cells_points(assignment):
    """"(2 + 1 points)" in a lesson gives the points of the next test cells, in order, and the
    introduction's total ("Points: 12 in all." or "..., 12 points.") is their sum."""
    nb = source_nb(assignment)
    expected: list[float] = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for m in re.finditer(r"\((\d+(?: \+ \d+)*) points?\)", cell.source):
                expected += [float(n) for n in m.group(1).split(" + ")]
    actual = [float(nbgrader_meta(c)["points"]) for c in graded_cells(nb)]
    assert expected == actual, f"{assignment}: the lesson says {expected}, the test cells give {actual}"
    totals = {float(n) for m in re.finditer(r"Points: (\d+) in all|(\d+) points\.", nb.cells[0].source) for n in m.groups() if n}
    assert totals == {sum(actual)}, f"{assignment}: the introduction says {totals}, the cells give {sum(actual)}"
