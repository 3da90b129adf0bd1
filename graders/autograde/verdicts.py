"""Grading side of the hidden checks: an nbgrader preprocessor that decides every test cell.

``TrustedVerdicts`` runs in ``Autograde.autograde_preprocessors`` right after ``Execute`` and
before ``SaveAutoGrades``. For each autograded test cell it takes the results the probe sent
(plain numbers), rebuilds the inputs, runs the reference and the check's judge, and rewrites
the cell's outputs so that nbgrader's own scoring reads the verdict:

* pass: the student's printed output (stdout, and stderr turned into stdout, so warnings never
  cost points) and a line "✔ <title>";
* fail: the same, then one ``error`` output whose text is the judge's message.

Anything else the kernel produced in a test cell (display data, forged results, expression
values that nbgrader would read as partial credit) is dropped.
"""

from __future__ import annotations

import re
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any

import nbformat
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader.utils import is_grade, is_solution

from graders.kernel.checks import CheckFailure
from graders.kernel.harness import Check, Context, Results, load_checks
from graders.kernel.probe import MIME
from graders.kernel.values import decode

__all__ = ["TrustedVerdicts", "GraderFault", "graded_errors", "judge_and_illustrate", "VERDICT_ENAME", "MAX_KEPT_OUTPUT"]

VERDICT_ENAME = "CheckFailed"
#: Characters of the student's own printed output kept per test cell.
MAX_KEPT_OUTPUT = 4000


def _kept_text(outputs: list[Any]) -> str:
    text = ""
    for out in outputs:
        if out.get("output_type") == "stream":
            chunk = out.get("text", "")
            text += chunk if out.get("name") == "stdout" else "".join(f"[stderr] {line}\n" for line in chunk.splitlines())
    if len(text) > MAX_KEPT_OUTPUT:
        text = text[:MAX_KEPT_OUTPUT] + f"\n... [{len(text) - MAX_KEPT_OUTPUT} more characters cut]\n"
    return text


def _kernel_error(outputs: list[Any]) -> str | None:
    for out in outputs:
        if out.get("output_type") == "error":
            return f"{out.get('ename', 'Error')}: {out.get('evalue', '')}".strip()
    return None


def _payload(outputs: list[Any], assignment: str, grade_id: str) -> dict[str, Any] | None:
    found = None
    for out in outputs:
        if out.get("output_type") == "display_data" and MIME in out.get("data", {}):
            data = out["data"][MIME]
            if isinstance(data, dict) and data.get("assignment") == assignment and data.get("grade_id") == grade_id:
                found = data
    return found


def judge_and_illustrate(
    check: Check, outputs: list[Any], assignment: str, data_dir: Path, reference: Any, log: Any = None
) -> tuple[str | None, dict[str, str] | None]:
    """The verdict (``None``: pass, else the message) and the check's picture, if it has one."""
    payload = _payload(outputs, assignment, check.grade_id)
    if payload is None:
        err = _kernel_error(outputs)
        if err:
            return f"{check.title}: the test cell stopped before the hidden checks ran.\n  {err}", None
        return f"{check.title}: the test cell produced no results (was it edited or not run?).", None
    with tempfile.TemporaryDirectory(prefix="calc4ml-verdict-") as tmp:
        calls = check.calls(Context(data_dir=data_dir, tmp_dir=Path(tmp)))
        raw = payload.get("results")
        if not isinstance(raw, dict):
            return f"{check.title}: malformed results.", None
        student = {}
        for call in calls:
            if call.key not in raw:
                return f"{check.title}: results are incomplete (missing {call.key}).", None
            try:
                student[call.key] = decode(raw[call.key])
            except (ValueError, TypeError, OverflowError):
                return f"{check.title}: malformed results.", None
        results = Results(calls, student, reference)
        message = None
        try:
            check.judge(results)
        except CheckFailure as exc:
            message = str(exc)
        picture = None
        if check.picture is not None:
            try:
                picture = check.picture(results)
            except Exception:  # noqa: BLE001 - a picture is a bonus; the verdict stands without it
                if log is not None:
                    log.warning("picture of %s/%s failed:\n%s", assignment, check.grade_id, traceback.format_exc())
    return message, picture


def graded_errors(path: Path) -> dict[str, list[tuple[str, str]]] | None:
    """grade_id -> [(ename, evalue)] of the error outputs of an autograded notebook's graded cells
    (the verdicts' messages among them); None if it is unreadable."""
    import json

    found: dict[str, list[tuple[str, str]]] = {}
    try:
        for cell in json.loads(Path(path).read_text(encoding="utf-8"))["cells"]:
            meta = (cell.get("metadata") or {}).get("nbgrader") or {}
            if not (meta.get("grade") or meta.get("task")) or not meta.get("grade_id"):
                continue
            for out in cell.get("outputs") or []:
                if out.get("output_type") == "error":
                    found.setdefault(str(meta["grade_id"]), []).append(
                        (str(out.get("ename") or ""), str(out.get("evalue") or "")))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return found


class GraderFault(RuntimeError):
    """A fault of the grader or its environment: nbgrader reports the submission as not graded
    (its error log names this message), and no score is saved for it."""


#: Errors of the hidden test's first line that mean the kernel's environment, not the student,
#: is at fault: the kernel cannot import the graders it was given.
_ENVIRONMENT_ERRORS = re.compile(r"^(ModuleNotFoundError|ImportError): .*\bgraders\b")


def _raise_if_environment_fault(check: Check, outputs: list[Any]) -> None:
    err = _kernel_error(outputs)
    if err and _ENVIRONMENT_ERRORS.match(err) and not any(
            o.get("output_type") == "display_data" for o in outputs):
        raise GraderFault(f"{check.grade_id}: the kernel could not import the grading package ({err}); "
                          "the submission is not graded (run `calc4ml grade`, whose canary names the cause)")


class TrustedVerdicts(NbGraderPreprocessor):
    """Decide every autograded test cell in the grading process (see module docstring)."""

    def preprocess(self, nb: nbformat.NotebookNode, resources: dict) -> tuple[nbformat.NotebookNode, dict]:
        assignment = resources["nbgrader"]["assignment"]
        coursedir = CourseDirectory(config=self.config)
        root = str(Path(coursedir.root).resolve())
        if root not in sys.path:
            sys.path.insert(0, root)
        import importlib

        reference = importlib.import_module(f"reference.{assignment}")
        checks = load_checks(assignment)
        data_dir = Path(coursedir.format_path(coursedir.source_directory, ".", assignment)) / "data"
        for cell in nb.cells:
            if cell.cell_type != "code" or not is_grade(cell) or is_solution(cell):
                continue
            grade_id = cell.metadata["nbgrader"]["grade_id"]
            check = checks.get(grade_id)
            picture: dict[str, str] | None = None
            if check is None:
                raise GraderFault(f"{grade_id}: no trusted check is registered for this test cell "
                                  f"(see graders.assignments.{assignment}); the submission is not graded")
            title = check.title
            _raise_if_environment_fault(check, cell.outputs)
            try:
                message, picture = judge_and_illustrate(check, cell.outputs, assignment, data_dir, reference, self.log)
            except Exception as exc:
                self.log.error("grader error in %s/%s:\n%s", assignment, grade_id, traceback.format_exc())
                raise GraderFault(f"{assignment}/{grade_id}: the grader itself failed ({type(exc).__name__}: {exc}); "
                                  "the submission is not graded") from exc
            kept = _kept_text(cell.outputs)
            outputs = []
            if kept:
                outputs.append(nbformat.v4.new_output("stream", name="stdout", text=kept))
            if message is None:
                text = f"\u2714 {title}\n"
                visible_error = _kernel_error(cell.outputs)
                if visible_error:
                    text += (
                        f"  (a visible test in this cell failed: {visible_error[:300]}\n"
                        "   but this exercise, judged on its own, is right: the cause is in another exercise)\n"
                    )
                outputs.append(nbformat.v4.new_output("stream", name="stdout", text=text))
            else:
                outputs.append(
                    nbformat.v4.new_output(
                        "error", ename=VERDICT_ENAME, evalue=message, traceback=[f"{VERDICT_ENAME}: {message}"]
                    )
                )
            if picture:
                outputs.append(nbformat.v4.new_output("display_data", data=picture, metadata={}))
            cell.outputs = outputs
        return nb, resources
