"""Helpers to write source notebooks with nbgrader metadata from Python.

Solution regions are taken from the reference module (``inspect``), so the reference is the
one place each solution lives; ``tests/test_release.py`` checks the committed source notebook
equals what the builder writes.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from types import ModuleType

import nbformat

from graders.autograde.budget import SKIP_TAG

__all__ = ["NotebookBuilder"]


def _meta(grade_id: str, *, grade: bool, solution: bool, locked: bool, points: float | None = None) -> dict:
    nb = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3, "solution": solution}
    if points is not None:
        nb["points"] = points
    return {"nbgrader": nb}


class NotebookBuilder:
    def __init__(self, assignment: str, reference: ModuleType) -> None:
        self.assignment = assignment
        self.reference = reference
        self.cells: list[nbformat.NotebookNode] = []
        self._n = 0

    def _id(self, prefix: str) -> str:
        self._n += 1
        return f"{prefix}-{self._n:02d}"

    def md(self, text: str) -> None:
        """A read-only markdown cell."""
        gid = self._id("md")
        cell = nbformat.v4.new_markdown_cell(textwrap.dedent(text).strip(), metadata=_meta(gid, grade=False, solution=False, locked=True))
        cell.id = gid
        self.cells.append(cell)

    def code(self, source: str, *, locked: bool = False, skip_when_grading: bool = False) -> None:
        """A plain code cell (examples, plots); ``locked`` makes it read-only.

        ``skip_when_grading`` tags it ``skip-when-grading``: autograde does not run it (a plot, a
        demo, a training or a sweep whose names no later solution or test cell reads; checked
        by ``calc4ml release --check``, see ``graders/autograde/budget.py``).
        """
        gid = self._id("code")
        meta = _meta(gid, grade=False, solution=False, locked=True) if locked else {}
        if skip_when_grading:
            meta["tags"] = [SKIP_TAG]
        cell = nbformat.v4.new_code_cell(textwrap.dedent(source).strip(), metadata=meta)
        cell.id = gid
        self.cells.append(cell)

    def solution(self, func_name: str) -> None:
        """The exercise cell: the reference's def line and docstring stay, its body is the solution."""
        src = textwrap.dedent(inspect.getsource(getattr(self.reference, func_name)))
        lines = src.rstrip("\n").split("\n")
        fn_node = ast.parse(src).body[0]
        first = fn_node.body[0]
        has_doc = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str)
        header_end = first.end_lineno if has_doc else fn_node.body[0].lineno - 1
        header = lines[:header_end]
        body = lines[header_end:]
        source = "\n".join(header + ["    ### BEGIN SOLUTION"] + body + ["    ### END SOLUTION"])
        cell = nbformat.v4.new_code_cell(source, metadata=_meta(func_name, grade=False, solution=True, locked=False))
        cell.id = func_name
        self.cells.append(cell)

    def test(self, grade_id: str, points: float, docstring: str, visible: str) -> None:
        """A graded test cell: visible asserts, then the hidden probe judged by the grader."""
        visible = textwrap.dedent(visible).strip()
        # The hidden probe runs first, so a failing visible assert (often caused by another
        # exercise's bug) cannot stop this exercise from being judged on its own.
        source = (
            f'"""{docstring}"""\n'
            "### BEGIN HIDDEN TESTS\n"
            "from graders.kernel.probe import probe\n"
            f'probe("{self.assignment}", "{grade_id}", globals())\n'
            "### END HIDDEN TESTS\n"
            f"{visible}"
        )
        cell = nbformat.v4.new_code_cell(source, metadata=_meta(grade_id, grade=True, solution=False, locked=True, points=points))
        cell.id = grade_id
        self.cells.append(cell)

    def notebook(self) -> nbformat.NotebookNode:
        nb = nbformat.v4.new_notebook()
        nb.cells = self.cells
        nb.metadata = {
            "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        }
        return nb
