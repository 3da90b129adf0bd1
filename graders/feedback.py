"""Feedback preprocessor: the student sees verdicts, never the hidden tests' source.

nbgrader's feedback renders the autograded notebook, whose test cells hold the restored
hidden-test regions. ``StripHiddenTests`` (in ``GenerateFeedback.preprocessors``) removes every
``### BEGIN HIDDEN TESTS`` ... ``### END HIDDEN TESTS`` region, leaving the visible tests and the
verdict output ("✔ ..." or the grader's message).
"""

from __future__ import annotations

import re

import nbformat
from nbgrader.preprocessors import NbGraderPreprocessor

__all__ = ["StripHiddenTests", "strip_hidden"]

_HIDDEN = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?^[ \t]*### END HIDDEN TESTS[ \t]*\n?", re.S | re.M)


def strip_hidden(source: str) -> str:
    return _HIDDEN.sub("", source)


class StripHiddenTests(NbGraderPreprocessor):
    def preprocess(self, nb: nbformat.NotebookNode, resources: dict) -> tuple[nbformat.NotebookNode, dict]:
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.source = strip_hidden(cell.source)
        return nb, resources
