"""The course's own settings, read from its ``nbgrader_config.py`` like every nbgrader command."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CourseSettings", "course_settings"]


@dataclass(frozen=True)
class CourseSettings:
    root: Path
    db_url: str
    course_id: str


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
