"""`calc4ml`: one clear line on bad input, and `release --check` that notices a stale release."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from conftest import ROOT, make_course, nbgrader
from test_fastgrade import calc4ml


@pytest.fixture()
def bare_course(tmp_path: Path) -> Path:
    course = make_course(tmp_path / "course")
    shutil.copytree(ROOT / "release", course / "release")
    return course


def _error(proc) -> str:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr  # one line, no traceback
    return lines[0]


def test_unknown_assignment_names_the_known_ones(bare_course: Path) -> None:
    err = _error(calc4ml(bare_course, "grade", "w9_nothing", check=False))
    assert err == ("calc4ml: error: no assignment 'w9_nothing' in source/ "
                   "(known: w1_cost_minimization, w2_linear_regression, w3_two_layer_network, w4_newtons_method)")


def test_empty_submitted_folder_says_what_to_do(bare_course: Path) -> None:
    (bare_course / "submitted").mkdir()
    err = _error(calc4ml(bare_course, "grade", "w1_cost_minimization", check=False))
    assert err == (f"calc4ml: error: {bare_course / 'submitted'} is empty: collect submissions into "
                   "submitted/<student>/<assignment>/ first")


def test_unknown_student_is_refused(bare_course: Path) -> None:
    shutil.copytree(ROOT / "submitted" / "ada_fictional", bare_course / "submitted" / "ada_fictional")
    err = _error(calc4ml(bare_course, "grade", "w1_cost_minimization", "--student", "zed", check=False))
    assert err == ("calc4ml: error: no submission of student 'zed' for w1_cost_minimization in submitted/ "
                   "(1 students have one, e.g. ada_fictional)")


def test_not_a_course_folder(tmp_path: Path) -> None:
    err = _error(calc4ml(tmp_path, "release", check=False))
    assert err == f"calc4ml: error: {tmp_path} has no nbgrader_config.py: run calc4ml in the course folder or pass --course DIR"


def test_serve_on_a_farm_refuses_the_local_pools_settings(bare_course: Path) -> None:
    for extra in (["--jobs", "2"], ["--timeout", "60"]):
        err = _error(calc4ml(bare_course, "serve", "--scheduler", "tcp://127.0.0.1:9", *extra, check=False))
        assert err.startswith("calc4ml: error: --jobs and --timeout are for grading on this machine: on a farm each "
                              "worker has its own kernel slots (dask worker ... --calc4ml-jobs N)"), err


def test_report_before_grading_says_to_grade_first(bare_course: Path) -> None:
    err = _error(calc4ml(bare_course, "report", check=False))
    assert err.startswith("calc4ml: error: no gradebook at ") and "nbgrader autograde" in err


@pytest.mark.e2e
def test_release_check_finds_a_stale_release(bare_course: Path) -> None:
    a = "w1_cost_minimization"
    ok = calc4ml(bare_course, "release", a, "--check")
    assert f"release/ is in sync with source/ for {a}" in ok.stdout
    path = bare_course / "release" / a / f"{a}.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells[0].source += "\nedited by hand"
    nbformat.write(nb, path)
    stale = calc4ml(bare_course, "release", a, "--check", check=False)
    assert stale.returncode == 1
    assert f"{a}: release/{a}/{a}.ipynb differs from what source/ generates" in stale.stdout
    calc4ml(bare_course, "release", a)
    assert calc4ml(bare_course, "release", a, "--check").returncode == 0


@pytest.mark.e2e
def test_grade_writes_feedback_in_its_workers_and_resume_says_what_it_regrades(bare_course: Path) -> None:
    import json

    from graders.run.fastgrade import JOURNAL

    a = "w1_cost_minimization"
    nbgrader(bare_course, "generate_assignment", a, "--force")  # the gradebook knows the assignment
    shutil.copytree(ROOT / "submitted" / "ada_fictional", bare_course / "submitted" / "ada_fictional")
    html = bare_course / "feedback" / "ada_fictional" / a / f"{a}.html"
    out = calc4ml(bare_course, "grade", a, "--quiet", "--jobs", "1")
    assert html.exists(), out.stdout
    assert f"feedback of 1 submissions written to {bare_course / 'feedback'} by the grading workers" in out.stdout
    # the worker that graded it wrote it, and journaled that it did
    [entry] = [json.loads(line) for line in (bare_course / JOURNAL).read_text().splitlines()]
    assert entry["success"] and entry["feedback"] is True and set(entry["course"]) == {
        "graders", "reference", "release", "config"}
    # unchanged: --resume skips it; the configuration changed: --resume grades it again and says why
    html.unlink()
    skipped = calc4ml(bare_course, "grade", a, "--quiet", "--jobs", "1", "--resume")
    assert "1 already graded, skipped (--resume)" in skipped.stdout and "regraded" not in skipped.stdout
    config = bare_course / "nbgrader_config.py"
    config.write_text(config.read_text() + "\n# edited after grading\n")
    regraded = calc4ml(bare_course, "grade", a, "--quiet", "--jobs", "1", "--resume", "--no-feedback")
    assert "graded 1 of 1 submissions" in regraded.stdout, regraded.stdout
    assert "1 regraded because config changed since they were graded (--resume)" in regraded.stdout
    assert not html.exists() and "feedback of" not in regraded.stdout  # --no-feedback
    helptext = calc4ml(bare_course, "grade", "--help").stdout
    assert "--no-feedback" in helptext and "nbgrader_config.py changed" in helptext


def test_the_progress_bar_is_the_clis_fed_by_the_engines_callbacks() -> None:
    import io
    from types import SimpleNamespace

    import graders.run.fastgrade as engine
    from graders.cli import Progress

    assert not hasattr(engine, "Progress"), "the engine draws no progress bar: the CLI does, from on_start/on_result"
    out = io.StringIO()
    bar = Progress(0, stream=out)
    bar.begin(2)
    bar.update(SimpleNamespace(success=True))
    bar.update(SimpleNamespace(success=False))
    assert out.getvalue().splitlines()[-1].startswith(f"[{'#' * 24}] 2/2 graded, 1 failed | ")
    quiet = io.StringIO()
    bar = Progress(1, stream=quiet, enabled=False)
    bar.update(SimpleNamespace(success=True))
    assert quiet.getvalue() == "" and bar.done == 1


def test_the_cli_chooses_how_much_the_library_logs(capsys) -> None:
    import logging

    from graders.cli import _configure_logging, build_parser

    log = logging.getLogger("graders.run.fastgrade")
    try:
        _configure_logging(0, False)
        log.info("not by default")
        log.warning("a warning, as before")
        _configure_logging(1, False)
        log.info("with -v")
        _configure_logging(0, True)
        log.warning("not with --quiet")
        log.error("an error, always")
    finally:
        for name in ("graders", "calc4ml"):
            logger = logging.getLogger(name)
            logger.handlers[:], logger.propagate = [], True
            logger.setLevel(logging.NOTSET)
    assert capsys.readouterr().err.splitlines() == [
        "a warning, as before", "graders.run.fastgrade: with -v", "an error, always"]
    args = build_parser().parse_args(["grade", "-vv", "--quiet"])
    assert (args.verbose, args.quiet) == (2, True)


def test_library_code_logs_and_only_commands_print() -> None:
    """print() only in the CLI and in the main() of a module run as a command (python -m)."""
    import ast

    printing = []
    for path in sorted((ROOT / "graders").rglob("*.py")):
        tree = ast.parse(path.read_text())
        mains = {id(n) for f in ast.walk(tree) if isinstance(f, ast.FunctionDef) and f.name == "main" for n in ast.walk(f)}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print"
                    and id(node) not in mains and path.name != "cli.py"):
                printing.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not printing, f"use a module logger (log = logging.getLogger(__name__)): {printing}"
