"""The one place that reads a course's ``nbgrader_config.py``.

Two readers, for two needs, both here:

* :func:`nbgrader_api` loads the configuration through nbgrader's own app, exactly as every
  stock ``nbgrader`` command does, and returns nbgrader's API on it (``calc4ml release``,
  ``calc4ml grade``'s workers, ``calc4ml export``);
* :func:`course_settings` only reads where the gradebook is and the course id, without
  starting an app (the report, the score tables of the tests and the benchmark).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import unquote

if TYPE_CHECKING:
    from nbgrader.apps import NbGraderAPI
    from traitlets.config import Config

__all__ = ["CourseSettings", "course_settings", "nbgrader_api", "enter_course", "api_problem"]

#: Longest problem line quoted from nbgrader (a log line can hold a whole notebook path and more).
PROBLEM_LIMIT = 300


@dataclass(frozen=True)
class CourseSettings:
    root: Path
    db_url: str
    course_id: str

    @property
    def sqlite_path(self) -> Path | None:
        """The gradebook's file when the gradebook is SQLite (nbgrader's default), else None."""
        prefix = "sqlite:///"  # then an absolute path (a fourth slash) or one relative to the course
        if not self.db_url.startswith(prefix):
            return None
        path = Path(unquote(self.db_url[len(prefix):].split("?", 1)[0]))
        return path if path.is_absolute() else self.root / path


def course_settings(root: Path) -> CourseSettings:
    """``db_url`` and ``course_id`` of the course at ``root`` (nbgrader's defaults where unset)."""
    from traitlets.config.loader import PyFileConfigLoader

    root = Path(root).resolve()
    db_url, course_id = f"sqlite:///{root / 'gradebook.db'}", "default_course"
    if (root / "nbgrader_config.py").exists():
        if str(root) not in sys.path:
            sys.path.insert(0, str(root))
        cfg = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
        db_url = cfg.CourseDirectory.get("db_url", db_url)
        course_id = cfg.CourseDirectory.get("course_id", course_id)
    return CourseSettings(root, db_url, course_id)


def enter_course(root: Path) -> None:
    """Work from the course folder as stock commands do: its config, its imports, the venv's tools.

    nbgrader's ``generate_assignment`` runs ``alembic`` in a subprocess, hence the venv's ``bin``
    on ``PATH``."""
    os.chdir(root)
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    os.environ["PATH"] = f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"


def nbgrader_api(root: Path, adjust: Callable[[Config], None] | None = None) -> NbGraderAPI:
    """nbgrader's API on the course at ``root``, configured by its ``nbgrader_config.py``.

    ``adjust`` may change the loaded configuration before the API is built on it (the grading
    workers' gradebook timeout and kernel manager)."""
    import logging

    from nbgrader.apps import NbGraderAPI
    from nbgrader.apps.nbgraderapp import NbGrader
    from nbgrader.coursedir import CourseDirectory

    enter_course(Path(root))
    app = NbGrader()
    app.log.setLevel(logging.ERROR)
    app.initialize([])  # reads nbgrader_config.py like every stock command
    config = app.config
    if adjust is not None:
        adjust(config)
    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    api.log.setLevel(logging.ERROR)
    return api


def api_problem(result: dict[str, Any]) -> str:
    """One line saying why a call of nbgrader's API failed (``{"success", "log", "error"}``).

    nbgrader's own words first: the first line its app logged at ERROR (``[ERROR] ...``, the
    format of ``nbgrader.utils.capture_log``), which names the cause ("Destination already
    exists", "Kernel died", a missing template); later ERROR lines restate it or start the
    traceback. Without one, the traceback's last line (the exception), else the log's last line."""
    log = [line.strip() for line in (result.get("log") or "").splitlines() if line.strip()]
    for line in log:
        if line.startswith("[ERROR]"):
            return line[len("[ERROR]"):].strip()[:PROBLEM_LIMIT]
    error = [line.strip() for line in (result.get("error") or "").splitlines() if line.strip()]
    lines = error or log
    return lines[-1][:PROBLEM_LIMIT] if lines else "no detail from nbgrader"
