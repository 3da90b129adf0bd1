"""The canary: before a class is graded, grade the solution notebooks the same way, and stop if
they do not score full marks.

A fault of the grading environment (a kernel that cannot import ``graders``, a sandbox or
isolation step that cannot be applied, a kernelspec that does not exist, a solution that no
longer passes its own checks after an edit) would otherwise be charged to every student.
:func:`run_canary` grades ``source/<assignment>/<assignment>.ipynb`` as a student in a scratch
copy of the course: the course's own ``nbgrader_config.py`` (loaded as a sub-configuration, so
everything it sets holds), its ``source/``, ``reference/`` and ``graders/`` (when the course
has one), through :func:`graders.run.fastgrade.grade_class` (same workers, sandbox, fork server and
verdicts), with a scratch SQLite gradebook. Nothing is written to the course.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Sequence

from graders.autograde.verdicts import graded_errors

__all__ = ["run_canary", "CanaryFailed", "CANARY_STUDENT"]

log = logging.getLogger(__name__)

#: The student id the solution notebook is graded as (in the scratch course only).
CANARY_STUDENT = "canary"
_IGNORE = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints")


class CanaryFailed(RuntimeError):
    """The solution notebooks did not score full marks: the message names the first cause."""


def _scratch_course(root: Path, dest: Path, assignments: Sequence[str]) -> None:
    dest.mkdir()
    shutil.copy(root / "nbgrader_config.py", dest / "course_nbgrader_config.py")
    (dest / "nbgrader_config.py").write_text(
        "# the course's configuration, then a scratch gradebook: the canary writes nothing of the course's\n"
        "import os\n"
        "load_subconfig(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'course_nbgrader_config.py'))\n"
        "c = get_config()\n"
        "c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))\n"
        "c.CourseDirectory.db_url = 'sqlite:///' + os.path.join(c.CourseDirectory.root, 'gradebook.db')\n"
    )
    for folder in ("reference", "graders"):
        if (root / folder).is_dir():
            shutil.copytree(root / folder, dest / folder, ignore=_IGNORE)
    for a in assignments:
        shutil.copytree(root / "source" / a, dest / "source" / a, ignore=_IGNORE)
        shutil.copytree(root / "source" / a, dest / "submitted" / CANARY_STUDENT / a, ignore=_IGNORE)


def _first_failure(course: Path, assignment: str) -> str:
    """The first failing test cell's message in the canary's autograded notebook."""
    errors = graded_errors(course / "autograded" / CANARY_STUDENT / assignment / f"{assignment}.ipynb")
    if errors is None:
        return "its autograded notebook is missing"
    for gid, messages in errors.items():
        ename, evalue = messages[0]
        return f"{gid}: {ename or 'Error'}: {evalue[:500]}"
    return "a test cell scored less than full marks"


def run_canary(root: Path, assignments: Sequence[str], *, jobs: int | None = None, use_fork_server: bool = True) -> float:
    """Grade every assignment's solution notebook in a scratch course; raise :class:`CanaryFailed`
    if one does not score full marks. Returns the seconds it took."""
    root = Path(root).resolve()
    cwd = os.getcwd()  # nbgrader's API enters the scratch course; come back before it is deleted
    try:
        return _run(root, assignments, jobs, use_fork_server)
    finally:
        os.chdir(cwd)


def _run(root: Path, assignments: Sequence[str], jobs: int | None, use_fork_server: bool) -> float:
    from nbgrader.api import Gradebook

    from graders.run.course import nbgrader_api
    from graders.run.fastgrade import grade_class

    with tempfile.TemporaryDirectory(prefix="calc4ml-canary-") as tmp:
        scratch = Path(tmp) / "course"
        _scratch_course(root, scratch, assignments)
        api = nbgrader_api(scratch)
        for a in assignments:
            result = api.generate_assignment(a, force=True, create=True)
            if not result.get("success"):
                raise CanaryFailed(f"{a}: nbgrader generate_assignment failed on the solution notebook: "
                                   f"{(result.get('error') or result.get('log') or '').strip()[-500:]}")
        summary = grade_class(scratch, assignments, jobs=jobs, use_fork_server=use_fork_server)
        for r in summary.failed:
            raise CanaryFailed(f"{r.task.assignment}: the solution notebook could not be graded: {r.problem}")
        with Gradebook(f"sqlite:///{scratch / 'gradebook.db'}", api.coursedir.course_id) as gb:
            for a in assignments:
                sub = gb.find_submission(a, CANARY_STUDENT)
                if sub.score < sub.max_score:
                    raise CanaryFailed(f"{a}: the solution notebook scored {sub.score:g} of {sub.max_score:g}; "
                                       f"first failure: {_first_failure(scratch, a)}")
        log.info("canary: the solution notebooks of %s score full marks (%.1f s)", ", ".join(assignments),
                 summary.seconds)
        return summary.seconds
