"""Feedback preprocessor: the student sees verdicts, never the hidden tests' source.

nbgrader's feedback renders the autograded notebook, whose test cells hold the restored
hidden-test regions. ``StripHiddenTests`` (in ``GenerateFeedback.preprocessors``) removes every
``### BEGIN HIDDEN TESTS`` ... ``### END HIDDEN TESTS`` region, leaving the visible tests and the
verdict output ("✔ ..." or the grader's message). ``FeedbackStyle`` (after nbconvert's
``CSSHTMLHeaderPreprocessor``) adds the course's few CSS rules to the page.
"""

from __future__ import annotations

import re

import nbformat
from nbgrader.preprocessors import NbGraderPreprocessor

__all__ = ["StripHiddenTests", "FeedbackStyle", "FEEDBACK_CSS", "strip_hidden"]

_HIDDEN = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?^[ \t]*### END HIDDEN TESTS[ \t]*\n?", re.S | re.M)


def strip_hidden(source: str) -> str:
    return _HIDDEN.sub("", source)


class StripHiddenTests(NbGraderPreprocessor):
    def preprocess(self, nb: nbformat.NotebookNode, resources: dict) -> tuple[nbformat.NotebookNode, dict]:
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.source = strip_hidden(cell.source)
        return nb, resources


#: A verdict's hint ends its one long line ("...: step against the gradient, m - rate * dE/dm."):
#: wrap output text at spaces instead of hiding that end past the box's edge (bootstrap sets
#: ``pre { word-break: break-all }``, hence ``normal``); space the columns of the gradient
#: components table (graders.autograde.pictures.component_table).
FEEDBACK_CSS = """
div.output_subarea.output_text pre { white-space: pre-wrap; word-break: normal; overflow-wrap: break-word; }
table.calc4ml-components { border-collapse: collapse; margin: 0.5em 0; }
table.calc4ml-components caption { caption-side: top; text-align: left; padding-bottom: 0.3em; }
table.calc4ml-components th, table.calc4ml-components td { padding: 2px 12px; text-align: left;
    border-bottom: 1px solid #ddd; }
"""


class FeedbackStyle(NbGraderPreprocessor):
    """Append :data:`FEEDBACK_CSS` to the CSS the feedback template inlines."""

    def preprocess(self, nb: nbformat.NotebookNode, resources: dict) -> tuple[nbformat.NotebookNode, dict]:
        inlining = resources.setdefault("inlining", {})
        inlining["css"] = [*inlining.get("css", []), FEEDBACK_CSS]
        return nb, resources
