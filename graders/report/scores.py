"""Scores as the gradebook holds them, cell by cell: what stock and parallel grading must agree on."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

__all__ = ["cell_scores"]


def cell_scores(course_root: Path, assignments: Sequence[str]) -> dict[tuple[str, str, str], float]:
    """``{(assignment, student, grade_id): score}`` for every autograded cell in the gradebook.

    The score is the one nbgrader reports (``Grade.score``: the manual score when a grader set
    one, else the automatic one); cells of a notebook that was never graded are absent.
    """
    from nbgrader.api import Gradebook, MissingEntry

    from graders.run.course import course_settings

    settings = course_settings(Path(course_root))
    out: dict[tuple[str, str, str], float] = {}
    with Gradebook(settings.db_url, settings.course_id) as gb:
        for assignment in assignments:
            try:
                a = gb.find_assignment(assignment)
            except MissingEntry:
                continue
            for submission in a.submissions:
                for nb in submission.notebooks:
                    for grade in nb.grades:
                        if grade.auto_score is not None or grade.manual_score is not None:
                            out[(assignment, submission.student.id, grade.name)] = float(grade.score)
    return out
