"""Kernel side of a hidden check: call the student's functions, ship the results as data.

A hidden test cell ends with ``probe("<assignment>", "<grade_id>", globals())``. Nothing here
decides pass or fail: :class:`graders.autograde.verdicts.TrustedVerdicts` does, in the grading process.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any, Mapping

from graders.kernel.harness import Context, load_checks, run_call
from graders.kernel.values import encode

__all__ = ["probe", "MIME"]

#: Mime type of the display output that carries the results to the grading process.
MIME = "application/vnd.calc4ml.results+json"


def probe(assignment: str, grade_id: str, namespace: Mapping[str, Any]) -> None:
    """Run the calls of check ``grade_id`` against the functions in ``namespace``."""
    from IPython.display import display

    check = load_checks(assignment)[grade_id]
    tmp = Path(tempfile.mkdtemp(prefix="calc4ml-probe-"))
    try:
        ctx = Context(data_dir=Path("data"), tmp_dir=tmp)
        live: dict[str, Any] = {}
        results = {call.key: encode(run_call(call, namespace, live)) for call in check.calls(ctx)}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    payload = {"assignment": assignment, "grade_id": grade_id, "results": results}
    display({MIME: payload, "text/plain": f"{check.title}: {len(results)} results sent to the grader"}, raw=True)
