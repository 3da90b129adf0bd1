"""Bound what a cell's outputs may weigh in ``autograded/`` and in feedback, every kind of output.

nbgrader's ``LimitOutput`` cuts stream lines and tracebacks only; a ``display()`` of a 50 MB
HTML table or image goes through untouched. ``BoundOutputs`` runs after it: per cell, outputs
are kept in order until :data:`MAX_CELL_OUTPUT_BYTES`; a rich output that does not fit is
replaced by a one-line note saying what was removed and why. Error outputs (the verdicts) are
always kept, cut to :data:`MAX_ERROR_BYTES`.
"""

from __future__ import annotations

import json
from typing import Any

import nbformat
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Integer

__all__ = ["BoundOutputs", "MAX_CELL_OUTPUT_BYTES", "MAX_ERROR_BYTES", "output_size"]

#: Bytes of outputs kept per cell: a plot as PNG is ~30-80 KB; the course's lessons show a few
#: per cell. Anything bigger is a runaway display, not teaching.
MAX_CELL_OUTPUT_BYTES = 500_000
#: Bytes of one error output (the graders' messages are a few hundred bytes).
MAX_ERROR_BYTES = 20_000


def output_size(output: Any) -> int:
    return len(json.dumps(output, default=str))


def _note(kind: str, size: int, limit: int) -> nbformat.NotebookNode:
    return nbformat.v4.new_output(
        "stream", name="stdout",
        text=f"[{kind} output of {size:,} bytes removed: more than the {limit:,} bytes a cell may keep]\n",
    )


class BoundOutputs(NbGraderPreprocessor):
    max_cell_bytes = Integer(MAX_CELL_OUTPUT_BYTES, help="Bytes of outputs kept per cell.").tag(config=True)
    max_error_bytes = Integer(MAX_ERROR_BYTES, help="Bytes kept of one error output.").tag(config=True)

    def preprocess_cell(self, cell, resources, index):  # type: ignore[override]
        if cell.cell_type != "code" or not cell.get("outputs"):
            return cell, resources
        kept, used = [], 0
        for out in cell.outputs:
            if out.get("output_type") == "error":
                out = self._cut_error(out)
                kept.append(out)
                used += output_size(out)
                continue
            size = output_size(out)
            if used + size <= self.max_cell_bytes:
                kept.append(out)
                used += size
            else:
                note = _note(out.get("output_type", "an"), size, self.max_cell_bytes)
                kept.append(note)
                used += output_size(note)
        cell.outputs = kept
        return cell, resources

    def _cut_error(self, out: Any) -> Any:
        if output_size(out) <= self.max_error_bytes:
            return out
        half = self.max_error_bytes // 4
        evalue = str(out.get("evalue", ""))
        if len(evalue) > 2 * half:
            evalue = evalue[:half] + f"\n... [{len(evalue) - 2 * half:,} characters cut] ...\n" + evalue[-half:]
        tb = list(out.get("traceback", []))
        tb = [line[:half] for line in tb[-20:]]
        return nbformat.v4.new_output("error", ename=out.get("ename", "Error"), evalue=evalue, traceback=tb)
