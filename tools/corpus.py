"""Build student submissions from a release notebook and a variant file.

A variant file (``tests/corpus/<assignment>/<name>.py``) is a header of ``# key: value`` lines
followed by segments; each segment replaces the cell with that ``grade_id``::

    # kind: bug
    # expect-lost: test_dLdOmega
    # why: the derivative has the wrong sign
    # %% dLdOmega
    def dLdOmega(omega, prices_a, prices_b):
        ...

Solution cells without a segment get the reference solution (the whole function), so each
variant differs from a correct submission exactly where it says.

Header keys: ``kind`` (correct, bug or attack), ``expect-lost`` (grade ids of the test cells
that must score 0; all others must score full), ``baseline`` (attacks: the variant that is
the same code without the tampering; the attack must score no more, cell by cell), ``why``,
and ``expect-message`` (``<grade_id>: <text>``, one line each, as many as needed: the grader's
message for that cell must contain the text; a line ``cause: ...`` in it is what
``calc4ml report`` groups by).
"""

from __future__ import annotations

import copy
import inspect
import importlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

__all__ = ["Variant", "load_variant", "build_submission", "reference_cell", "mixed_class", "CLASS_MIX"]

_SEGMENT = re.compile(r"^# %% (\S+)\s*$", re.M)


@dataclass
class Variant:
    name: str
    kind: str
    expect_lost: set[str]
    baseline: str | None
    why: str
    segments: dict[str, str] = field(default_factory=dict)
    #: (grade_id, text the grader's message for that cell must contain)
    expect_messages: list[tuple[str, str]] = field(default_factory=list)


def load_variant(path: Path) -> Variant:
    text = path.read_text()
    parts = _SEGMENT.split(text)
    header, rest = parts[0], parts[1:]
    meta: dict[str, str] = {}
    messages: list[tuple[str, str]] = []
    for line in header.splitlines():
        m = re.match(r"#\s*([\w-]+):\s*(.*)$", line)
        if m and m.group(1) == "expect-message":
            gid, sep, text = m.group(2).partition(": ")
            if not sep or not text.strip():
                raise ValueError(f"{path}: expect-message must read '<grade_id>: <text>'")
            messages.append((gid.strip(), text.strip()))
        elif m:
            meta[m.group(1)] = m.group(2).strip()
    segments = {rest[i]: rest[i + 1].strip("\n") for i in range(0, len(rest), 2)}
    kind = meta.get("kind", "")
    if kind not in ("correct", "bug", "attack"):
        raise ValueError(f"{path}: kind must be correct, bug or attack")
    return Variant(
        name=path.stem,
        kind=kind,
        expect_lost=set(meta.get("expect-lost", "").split()),
        baseline=meta.get("baseline") or None,
        why=meta.get("why", ""),
        segments=segments,
        expect_messages=messages,
    )


def reference_cell(assignment: str, func_name: str) -> str:
    module = importlib.import_module(f"reference.{assignment}")
    return inspect.getsource(getattr(module, func_name)).rstrip("\n")


def build_submission(release_nb: nbformat.NotebookNode, assignment: str, variant: Variant | None) -> nbformat.NotebookNode:
    nb = copy.deepcopy(release_nb)
    segments = dict(variant.segments) if variant else {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        gid = meta.get("grade_id")
        if gid in segments:
            cell.source = segments.pop(gid)
        elif meta.get("solution"):
            cell.source = reference_cell(assignment, gid)
    if segments:
        raise ValueError(f"variant {variant.name}: no cell with grade_id {sorted(segments)}")
    return nb


#: Share of each kind in a generated class (a realistic term: most submissions work).
CLASS_MIX = (("correct", 0.55), ("bug", 0.33), ("attack", 0.07), ("hostile", 0.05))
CORPUS = Path(__file__).resolve().parents[1] / "tests" / "corpus"


def _hostile(release_nb: nbformat.NotebookNode, assignment: str, kind: int) -> nbformat.NotebookNode:
    """A correct submission broken the ways notebooks arrive broken."""
    nb = build_submission(release_nb, assignment, None)
    graded = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    solutions = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    if kind == 0:  # the kernel dies in the first exercise
        solutions[0].source = "import os\nos._exit(1)\n" + solutions[0].source
    elif kind == 1:  # a test cell pasted twice
        nb.cells.append(copy.deepcopy(graded[0]))
    elif kind == 2:  # every nbgrader metadata stripped
        for c in nb.cells:
            c.metadata.pop("nbgrader", None)
    else:  # the test cells deleted
        nb.cells = [c for c in nb.cells if c not in graded]
    return nb


def mixed_class(release_nb: nbformat.NotebookNode, assignment: str, n: int, *, seed: int = 0,
                prefix: str = "student") -> dict[str, nbformat.NotebookNode]:
    """``n`` submissions drawn from the corpus in the proportions of :data:`CLASS_MIX`."""
    import random

    rng = random.Random(f"{assignment}:{seed}")
    variants: dict[str, list[Variant]] = {"correct": [], "bug": [], "attack": []}
    for path in sorted((CORPUS / assignment).glob("*.py")):
        v = load_variant(path)
        variants[v.kind].append(v)
    kinds = [k for k, _ in CLASS_MIX]
    weights = [w for _, w in CLASS_MIX]
    out = {}
    for i in range(n):
        kind = kinds[0] if i == 0 else rng.choices(kinds, weights)[0]
        name = f"{prefix}_{i + 1:04d}"
        if kind == "hostile":
            out[name] = _hostile(release_nb, assignment, rng.randrange(4))
        else:
            out[name] = build_submission(release_nb, assignment, rng.choice(variants[kind]))
    return out
