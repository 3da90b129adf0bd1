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
