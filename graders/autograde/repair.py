"""Repair a submitted notebook's structure before nbgrader sanitises it.

Stock nbgrader aborts the whole class on a notebook with a copied grade cell (duplicate
``grade_id``), scores deleted test cells as missing, and cannot find solution cells whose
metadata a student's editor stripped. ``RepairSubmission`` (first of
``Autograde.sanitize_preprocessors``) rebuilds every submission on the skeleton of the
release notebook, which is trusted:

* every locked or test cell comes from the release, in the release's order (nbgrader's
  ``OverwriteCells`` then restores its source from the gradebook), so deleted, edited, moved
  or copied test cells are all graded as the instructor wrote them;
* each solution cell is the student's cell with that ``grade_id`` (the first, if copied), or,
  when the metadata is gone, the student's cell that defines the function of that name; if
  none, the release stub (which scores 0);
* the student's own cells, and their versions of the release's free cells (plots, examples),
  are kept after the cell they followed, without grade metadata.

Each repair is logged as a warning naming the student and the problem.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import nbformat
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor

__all__ = ["RepairSubmission", "repair_notebook"]

_CELL_ID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")  # nbformat 4.5's cell id pattern


def _gid(cell: Any) -> str | None:
    meta = cell.get("metadata", {}).get("nbgrader")
    if isinstance(meta, dict) and isinstance(meta.get("grade_id"), str):
        return meta["grade_id"]
    return None


def _defines(cell: Any, name: str) -> bool:
    return cell.get("cell_type") == "code" and re.search(rf"^\s*def\s+{re.escape(name)}\s*\(", str(cell.get("source", "")), re.M) is not None


def repair_notebook(submitted: nbformat.NotebookNode, release: nbformat.NotebookNode) -> tuple[nbformat.NotebookNode, list[str]]:
    """Return the repaired notebook and the list of problems found."""
    problems: list[str] = []
    release_ids = [_gid(c) for c in release.cells]
    solution_ids = {_gid(c) for c in release.cells if c.metadata.get("nbgrader", {}).get("solution")}
    seen: set[str] = set()
    chosen: dict[str, Any] = {}  # release grade_id -> student cell used for it
    extras: dict[str | None, list[Any]] = {}  # anchor grade_id -> student's own cells after it
    anchor: str | None = None
    for cell in submitted.cells:
        gid = _gid(cell)
        if gid is not None and gid in seen:
            problems.append(f"cell {gid!r} appears more than once: the copy was dropped")
            continue
        if gid is not None and gid in release_ids:
            seen.add(gid)
            if gid in solution_ids:
                chosen[gid] = cell
            anchor = gid
            continue
        # no (known) grade metadata: a solution whose metadata was stripped, or the student's own cell
        match = next((s for s in solution_ids if s not in chosen and _defines(cell, s)), None)
        if match is not None:
            problems.append(f"solution cell {match!r} had lost its metadata: found by its def line")
            chosen[match] = cell
            seen.add(match)
            anchor = match
            continue
        extra = copy.deepcopy(cell)
        extra.get("metadata", {}).pop("nbgrader", None)
        extras.setdefault(anchor, []).append(extra)
    missing_tests = [g for g, c in zip(release_ids, release.cells)
                     if g and g not in seen and c.metadata.get("nbgrader", {}).get("grade") and not c.metadata["nbgrader"].get("solution")]
    if missing_tests:
        problems.append(f"test cells {', '.join(missing_tests)} were missing or damaged: restored from the release")
    cells = list(extras.get(None, []))
    for rcell in release.cells:
        gid = _gid(rcell)
        if gid is None:
            continue  # a free cell of the release (a plot, say): the student's version travels as an extra
        if gid in chosen:
            cell = copy.deepcopy(rcell)
            cell.source = chosen[gid].get("source", "")
            cells.append(cell)
        else:
            cells.append(copy.deepcopy(rcell))
        cells.extend(extras.get(gid, []))
    out = copy.deepcopy(release)
    out.metadata = copy.deepcopy(release.metadata)
    out.cells = cells
    # unique, valid cell ids; a free cell keeps its own (graders.autograde.execute matches lesson cells
    # with the release's by id to skip those tagged skip-when-grading)
    taken = {g for g in (_gid(c) for c in out.cells) if g}
    for i, cell in enumerate(out.cells):
        own = cell.get("id")
        if _gid(cell):
            cell["id"] = _gid(cell)
        elif isinstance(own, str) and _CELL_ID.match(own) and own not in taken:
            taken.add(own)
        else:
            new, k = f"student-{i:03d}", 0
            while new in taken:
                k += 1
                new = f"student-{i:03d}-{k}"
            cell["id"] = new
            taken.add(new)
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    return out, problems


class RepairSubmission(NbGraderPreprocessor):
    """Rebuild each submission on the release's skeleton (see module docstring)."""

    def preprocess(self, nb: nbformat.NotebookNode, resources: dict) -> tuple[nbformat.NotebookNode, dict]:
        info = resources["nbgrader"]
        coursedir = CourseDirectory(config=self.config)
        release_path = Path(coursedir.format_path(coursedir.release_directory, ".", info["assignment"])) / f"{info['notebook']}.ipynb"
        if not release_path.exists():
            self.log.warning("no release notebook at %s: submission not repaired", release_path)
            return nb, resources
        release = nbformat.read(release_path, as_version=4)
        repaired, problems = repair_notebook(nb, release)
        for problem in problems:
            self.log.warning("student %s, %s/%s: %s", info["student"], info["assignment"], info["notebook"], problem)
        return repaired, resources
