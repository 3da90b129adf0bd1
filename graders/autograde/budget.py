"""Budgets of grading that do not depend on how busy the machine is.

Two things decide how long grading may run a student's cell, and neither is wall time:

* **Lesson cells that no graded cell needs are not run.** The notebook's author tags such code
  cells (plots, demos, trainings, sweeps) ``skip-when-grading`` (:data:`SKIP_TAG`, a cell tag
  of the source notebook). ``calc4ml release --check`` refuses a tagged cell that assigns a name a
  later untagged cell reads (:func:`skip_tag_problems`). During autograde,
  :class:`graders.autograde.execute.ResilientExecute` skips a submitted cell only if the *release*
  notebook has a tagged cell with the same id and the very same source, and no later cell that
  runs reads a name it assigns (:func:`skip_plan`): a student who edited a lesson cell, or whose
  solution uses one of its names, has it run; a tag a student adds to a cell does nothing.
* **Each cell's budget is CPU time of the student's kernel**
  (:func:`cell_budget`: ``max(CELL_CPU_FLOOR, CELL_CPU_FACTOR x`` the reference's own CPU time
  in that cell), measured on the kernel's process tree (:func:`tree_cpu_seconds`). A loaded
  machine stretches wall time, not CPU time, so a correct slow solution passes however busy the
  grader is. ``Execute.timeout`` (``nbgrader_config.py``) stays as a generous wall-clock
  backstop for code that waits instead of computing.

``python -m graders.autograde.measure [ASSIGNMENT ...]`` runs the source notebooks (the reference
solutions) in the grading sandbox and prints each cell's CPU time: that is how
:data:`REFERENCE_CPU` was measured.
"""

from __future__ import annotations

import ast
import os
import symtable
from typing import Any, Iterable

__all__ = [
    "SKIP_TAG", "CELL_CPU_FLOOR", "CELL_CPU_FACTOR", "REFERENCE_CPU", "KILL_GRACE", "POLL_SECONDS",
    "cell_budget", "tree_cpu_seconds", "bound_names", "read_names", "skip_tag_problems", "skip_plan",
    "is_tagged",
]

#: Cell tag of a lesson cell that grading may skip.
SKIP_TAG = "skip-when-grading"

#: CPU seconds any cell may use, whatever the reference needs. The reference spends at most
#: 0.08 s in a test cell and 0.6 s in the cell that imports numpy, pandas and matplotlib; the
#: slowest correct variant of the corpus, the per-example-loop two-layer network
#: (``tests/corpus/w3_two_layer_network/correct_per_example_loops.py``), spends 6.7 s in
#: ``test_nn_model``. 20 s is three times that, for any exercise of any assignment.
CELL_CPU_FLOOR = 20.0
#: A cell may use this many times the reference's CPU time in it. The per-example-loop network
#: is ~85x slower than the vectorised reference where it trains (6.7 s against 0.08 s in
#: ``test_nn_model``); the issue's estimate for such code is ~100x. 500x leaves five times
#: that: 40 s of CPU for ``test_nn_model`` and ``test_gradient_descent``.
CELL_CPU_FACTOR = 500.0
#: CPU seconds the reference solution uses in each cell where ``CELL_CPU_FACTOR`` times it is
#: above the floor (grade id, or cell id for a lesson cell -> seconds): the median of three
#: runs of ``python -m graders.autograde.budget`` (2 cores shared with other work, sandboxed kernel).
#: Every other cell costs the reference at most 0.03 s and gets :data:`CELL_CPU_FLOOR`; so do
#: the cells of assignments not listed.
REFERENCE_CPU: dict[str, dict[str, float]] = {
    "w1_cost_minimization": {"code-02": 0.60},
    "w2_linear_regression": {"code-02": 0.58, "test_gradient_descent": 0.08, "code-12": 0.09},
    "w3_two_layer_network": {"code-02": 0.49, "test_nn_model": 0.08, "code-10": 0.16, "code-12": 0.48},
    "w4_newtons_method": {"code-02": 0.47},
}
#: CPU seconds a cell may go on using after it was interrupted before its kernel is killed
#: (code that catches ``KeyboardInterrupt``, or one long call into C).
KILL_GRACE = 10.0
#: Seconds between two readings of the kernel's CPU time while a cell runs.
POLL_SECONDS = 0.2

_TICKS = os.sysconf("SC_CLK_TCK")


def cell_budget(assignment: str | None, cell_id: str | None) -> float:
    """CPU seconds the cell ``cell_id`` of ``assignment`` may use while graded."""
    reference = REFERENCE_CPU.get(assignment or "", {}).get(cell_id or "", 0.0)
    return max(CELL_CPU_FLOOR, CELL_CPU_FACTOR * reference)


# ---------------------------------------------------------------------------------------------
# CPU time of a process tree, read from the host's /proc


def _process_cpu(pid: int) -> float | None:
    """utime + stime + cutime + cstime of ``pid`` in seconds (its reaped children included)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return None
    fields = stat[stat.rindex(b")") + 2:].split()
    # fields[0] is the state (field 3 of proc(5)): utime..cstime are fields 14..17
    return sum(int(x) for x in fields[11:15]) / _TICKS


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children", "rb") as f:
                out += [int(x) for x in f.read().split()]
        except OSError:
            pass
    return out


def tree_cpu_seconds(root: int) -> float | None:
    """CPU seconds used so far by ``root`` and every process below it; ``None`` if it is gone.

    A child's time moves into its parent's ``cutime`` when the parent reaps it, so a process
    that ends inside the tree is still counted once. Per-cell differences of this sum are the
    kernel's CPU time whatever else runs in the tree (a fork server between two kernels).
    """
    total = _process_cpu(root)
    if total is None:
        return None
    seen, todo = {root}, _children(root)
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        cpu = _process_cpu(pid)
        if cpu is not None:
            total += cpu
            todo += _children(pid)
    return total


# ---------------------------------------------------------------------------------------------
# which names a cell assigns and reads

#: Calls through which a cell can read any global by a name the AST does not show.
_DYNAMIC = frozenset({"globals", "vars", "locals", "eval", "exec", "get_ipython", "__import__"})


def _python(source: str) -> str | None:
    """The cell as the kernel runs it (IPython syntax such as magics translated), or ``None``
    if it is not Python (the kernel stops at its ``SyntaxError``)."""
    try:
        ast.parse(source)
        return source
    except SyntaxError:
        pass
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        python = TransformerManager().transform_cell(source)
        ast.parse(python)
        return python
    except Exception:  # noqa: BLE001
        return None


def _parse(source: str) -> ast.Module | None:
    python = _python(source)
    return None if python is None else ast.parse(python)


def _target_names(node: ast.AST) -> Iterable[str]:
    """Names a store target binds or changes: ``a``, ``a, b``, and ``a`` of ``a[i]`` / ``a.x``."""
    if isinstance(node, ast.Name):
        yield node.id
    elif isinstance(node, (ast.Tuple, ast.List)):
        for elt in node.elts:
            yield from _target_names(elt)
    elif isinstance(node, ast.Starred):
        yield from _target_names(node.value)
    elif isinstance(node, (ast.Subscript, ast.Attribute)):
        yield from _target_names(node.value)


class _Binder(ast.NodeVisitor):
    """Module-level names a cell assigns (a function's locals are not the notebook's)."""

    def __init__(self) -> None:
        self.names: set[str] = set()
        self.unknown = False

    def _targets(self, *targets: ast.AST | None) -> None:
        for t in targets:
            if t is not None:
                self.names.update(_target_names(t))

    def visit_Assign(self, node: ast.Assign) -> None:
        self._targets(*node.targets)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._targets(node.target)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._targets(node.target)
        self.generic_visit(node)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self._targets(node.target)
        self.generic_visit(node)

    def visit_Delete(self, node: ast.Delete) -> None:
        self._targets(*node.targets)

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        self._targets(node.target)
        self.generic_visit(node)

    visit_AsyncFor = visit_For

    def visit_With(self, node: ast.With | ast.AsyncWith) -> None:
        self._targets(*(item.optional_vars for item in node.items))
        self.generic_visit(node)

    visit_AsyncWith = visit_With

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self.names.add(node.name)
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.names.add(alias.asname or alias.name.split(".")[0])

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            if alias.name == "*":
                self.unknown = True
            self.names.add(alias.asname or alias.name)

    def _scope(self, node: Any) -> None:
        self.names.add(node.name)
        for sub in ast.walk(node):  # ``global x`` inside a function assigns the notebook's x
            if isinstance(sub, ast.Global):
                self.names.update(sub.names)

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _scope

    def visit_Lambda(self, node: ast.Lambda) -> None:
        pass

    def visit_MatchAs(self, node: ast.MatchAs) -> None:
        if node.name:
            self.names.add(node.name)
        self.generic_visit(node)

    def visit_MatchStar(self, node: ast.MatchStar) -> None:
        if node.name:
            self.names.add(node.name)

    def visit_MatchMapping(self, node: ast.MatchMapping) -> None:
        if node.rest:
            self.names.add(node.rest)
        self.generic_visit(node)


def bound_names(source: str) -> set[str] | None:
    """Names of the notebook a cell assigns (assignments, defs, imports, loop targets, ...);
    ``None`` if that cannot be told (unparseable, ``from x import *``)."""
    tree = _parse(source)
    if tree is None:
        return None
    binder = _Binder()
    binder.visit(tree)
    return None if binder.unknown else binder.names


def _global_reads(table: symtable.SymbolTable, names: set[str], *, own: bool) -> None:
    """Notebook names read in ``table`` (if ``own``) and in every scope nested in it: a
    function's parameters and locals are its own, not the notebook's."""
    if own:
        module = table.get_type() == "module"
        names.update(s.get_name() for s in table.get_symbols() if s.is_referenced() and (module or s.is_global()))
    for child in table.get_children():
        _global_reads(child, names, own=True)


def _augmented(tree: ast.Module, deferred: bool) -> set[str]:
    """Notebook names ``x += 1`` reads (symtable counts it as an assignment only): at the top
    level unless ``deferred``, and in functions where ``x`` is declared ``global``."""
    declared = {name for n in ast.walk(tree) if isinstance(n, ast.Global) for name in n.names}
    out: set[str] = set()
    todo: list[tuple[ast.AST, bool]] = [(n, True) for n in tree.body]
    while todo:
        node, top = todo.pop()
        if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            if (top and not deferred) or (not top and node.target.id in declared):
                out.add(node.target.id)
        nested = isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef))
        todo += [(child, top and not nested) for child in ast.iter_child_nodes(node)]
    return out


def read_names(source: str, *, dynamic: bool = True, deferred: bool = False) -> set[str] | None:
    """Names of the notebook a cell reads, its functions' bodies included (a name a function
    makes its own does not count); ``None`` for "possibly any": a call such as ``globals()`` or
    ``eval`` when ``dynamic`` (the course's own test cells pass ``globals()`` to the probe,
    which reads only the graded functions: ``dynamic=False``). ``deferred``: only what its
    functions, lambdas and classes read (they run whenever they are called, so possibly after
    any later cell). A cell Python cannot parse reads nothing: it stops at its
    ``SyntaxError``."""
    python = _python(source)
    if python is None:
        return set()
    names: set[str] = set()
    _global_reads(symtable.symtable(python, "<cell>", "exec"), names, own=not deferred)
    tree = ast.parse(python)
    names |= _augmented(tree, deferred)
    if dynamic:
        if names & _DYNAMIC:
            return None
        for node in ast.walk(tree):
            if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "__main__" for a in node.names):
                return None
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "__main__":
                return None
    return names


# ---------------------------------------------------------------------------------------------
# the tag: checked at release, honoured at autograde


def _nbgrader(cell: Any) -> dict:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


def is_graded(cell: Any) -> bool:
    """A solution or a test cell: always run."""
    meta = _nbgrader(cell)
    return bool(meta.get("solution") or meta.get("grade"))


def _is_test(cell: Any) -> bool:
    """A test cell: its source is the instructor's (nbgrader restores it)."""
    return bool(_nbgrader(cell).get("grade")) and not _nbgrader(cell).get("solution")


def is_tagged(cell: Any) -> bool:
    tags = cell.get("metadata", {}).get("tags", [])
    return cell.get("cell_type") == "code" and isinstance(tags, list) and SKIP_TAG in tags


def _label(cell: Any, index: int) -> str:
    return f"cell {cell.get('id') or index} (#{index + 1})"


def _source(cell: Any) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def skip_tag_problems(nb: Any) -> list[str]:
    """What is wrong with the ``skip-when-grading`` tags of a (source or release) notebook:
    a tagged solution or test cell, or a tagged cell that assigns a name a later untagged code
    cell reads (skipping it while grading would change what that cell does)."""
    problems: list[str] = []
    cells = list(nb.get("cells", []))
    for i, cell in enumerate(cells):
        if not is_tagged(cell):
            continue
        if is_graded(cell):
            problems.append(f"{_label(cell, i)} is a solution or test cell: it cannot be tagged {SKIP_TAG}")
            continue
        binds = bound_names(_source(cell))
        if binds is None:
            problems.append(f"{_label(cell, i)} is tagged {SKIP_TAG} but what it assigns cannot be told (syntax, import *)")
            continue
        for j, other in enumerate(cells):
            if j == i or other.get("cell_type") != "code" or is_tagged(other) or (j < i and _is_test(other)):
                continue
            # a later cell reads at once; an earlier one from its functions, which run when called
            # (a test cell's functions run in that cell)
            reads = read_names(_source(other), dynamic=False, deferred=j < i)
            used = sorted(binds & reads)  # type: ignore[operator]
            if used:
                problems.append(f"{_label(cell, i)} is tagged {SKIP_TAG} but assigns {', '.join(used)}, "
                                f"which {_label(other, j)} reads")
    return problems


def skip_plan(submitted: Any, release: Any | None) -> set[int]:
    """Indices of the submitted notebook's cells that grading does not run.

    A cell is skipped when it is neither solution nor test, the release has a tagged cell with
    its id and its exact source, and no later cell that does run reads a name it assigns (a
    student's own cell, or a solution using a lesson's name). Decided from the last cell back,
    so a lesson cell needed only by a skipped one is skipped too.
    """
    if release is None:
        return set()
    tagged = {c.get("id"): _source(c) for c in release.get("cells", []) if is_tagged(c) and not is_graded(c) and c.get("id")}
    if not tagged:
        return set()
    cells = list(submitted.get("cells", []))
    candidates = {i for i, c in enumerate(cells)
                  if c.get("cell_type") == "code" and not is_graded(c) and tagged.get(c.get("id")) == _source(c)}
    skip: set[int] = set()
    needed: set[str] = set()
    anything = False
    # what the functions of the cells that surely run read: they may be called after any cell
    # (a test cell's own functions run in that cell)
    for i, c in enumerate(cells):
        if c.get("cell_type") == "code" and i not in candidates and not _is_test(c):
            reads = read_names(_source(c), dynamic=not _is_test(c), deferred=True)
            if reads is None:
                anything = True
            else:
                needed |= reads
    for index in range(len(cells) - 1, -1, -1):
        cell = cells[index]
        if cell.get("cell_type") != "code" or not _source(cell).strip():
            continue
        if index in candidates and not anything:
            binds = bound_names(_source(cell))
            if binds is not None and not binds & needed:
                skip.add(index)
                continue
        reads = read_names(_source(cell), dynamic=not _is_test(cell))
        if reads is None:
            anything = True
        else:
            needed |= reads
    return skip
