"""Where the course's nbgrader_config.py puts the gradebook, read in one place (graders/run/course.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from graders.run.course import course_settings
from graders.report import ReportError, collect


def _course(tmp_path: Path, config: str) -> Path:
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\n" + config)
    return tmp_path


def test_defaults_are_nbgraders_own(tmp_path: Path) -> None:
    s = course_settings(_course(tmp_path, ""))
    assert (s.db_url, s.course_id) == (f"sqlite:///{tmp_path / 'gradebook.db'}", "default_course")
    assert s.sqlite_path == tmp_path / "gradebook.db"


@pytest.mark.parametrize("url, expected", [
    ("sqlite:////srv/grades/calc.db?timeout=30", "/srv/grades/calc.db"),  # four slashes: absolute
    ("sqlite:///db/my%20class.db", "{root}/db/my class.db"),  # three: relative to the course
])
def test_sqlite_gradebook_file_from_the_url(tmp_path: Path, url: str, expected: str) -> None:
    s = course_settings(_course(tmp_path, f"c.CourseDirectory.db_url = {url!r}\nc.CourseDirectory.course_id = 'x'\n"))
    assert s.course_id == "x"
    assert s.sqlite_path == Path(expected.format(root=tmp_path))


def test_the_report_reads_the_gradebook_the_config_names(tmp_path: Path) -> None:
    course = _course(tmp_path, "c.CourseDirectory.db_url = 'sqlite:///elsewhere/gb.db'\n")
    with pytest.raises(ReportError) as err:
        collect(course)
    assert str(err.value).startswith(f"no gradebook at {course / 'elsewhere' / 'gb.db'}: run `nbgrader autograde")


def test_the_report_says_it_needs_sqlite(tmp_path: Path) -> None:
    course = _course(tmp_path, "c.CourseDirectory.db_url = 'postgresql://grader@db/calc4ml'\n")
    with pytest.raises(ReportError) as err:
        collect(course)
    assert str(err.value) == (f"the report reads a SQLite gradebook; {course / 'nbgrader_config.py'} sets "
                              "CourseDirectory.db_url = 'postgresql://grader@db/calc4ml'")


def test_a_failed_nbgrader_call_is_told_in_nbgraders_first_error_line(tmp_path: Path) -> None:
    """One reader of nbgrader's API results (calc4ml's commands, the grading workers, the exchange)."""
    from graders.run.course import api_problem, nbgrader_api

    course = _course(tmp_path, "c.CourseDirectory.course_id = 'x'\n")
    (course / "source" / "w9").mkdir(parents=True)
    result = nbgrader_api(course).generate_assignment("w9", force=True, create=True)
    assert not result["success"] and result["log"].count("[ERROR]") >= 2  # the cause, then a guess
    assert api_problem(result) == f"No notebooks were matched by '{course}/source/./w9'"
    # without an ERROR line: the exception that ended the traceback, else the log's last line
    assert api_problem({"success": False, "error": "Traceback ...\n  File x\nOSError: disk full\n",
                        "log": "[INFO] started\n"}) == "OSError: disk full"
    assert api_problem({"success": False, "log": "[INFO] started\n[WARNING] odd\n"}) == "[WARNING] odd"
    assert api_problem({"success": False}) == "no detail from nbgrader"
