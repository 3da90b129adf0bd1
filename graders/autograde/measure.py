"""``python -m graders.autograde.measure [ASSIGNMENT ...]``: the CPU seconds of every code cell of
the source notebooks (the reference solutions), run in the grading sandbox by
:class:`graders.autograde.execute.ResilientExecute`; how :data:`graders.autograde.budget.REFERENCE_CPU`
was measured. A script above the budget and the executor, so neither imports the other back."""

from __future__ import annotations

from pathlib import Path

import nbformat
from traitlets.config import Config

from graders.autograde.execute import ResilientExecute

__all__ = ["measure", "main"]


def measure(assignment: str, course_root: Path) -> list[tuple[str, float]]:
    """(cell id, CPU seconds) of every code cell of the source notebook (the reference
    solutions), run in the grading sandbox by :class:`graders.autograde.execute.ResilientExecute`."""
    folder = course_root / "source" / assignment
    nb = nbformat.read(folder / f"{assignment}.ipynb", as_version=4)
    config = Config()
    config.ResilientExecute.kernel_manager_class = "graders.run.sandbox.SandboxedKernelManager"
    config.ResilientExecute.skip_lesson_cells = False
    config.ResilientExecute.timeout = 600
    execute = ResilientExecute(config=config)
    resources = {"metadata": {"path": str(folder)}, "nbgrader": {"assignment": assignment, "notebook": assignment}}
    execute.preprocess(nb, resources)
    return [(c.id, execute.cpu_seconds[c.id]) for c in nb.cells if c.id in execute.cpu_seconds]


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="CPU seconds of every code cell of the reference (the source notebooks)")
    parser.add_argument("assignments", nargs="*")
    parser.add_argument("--course", default=".")
    parser.add_argument("--rounds", type=int, default=3, help="runs per notebook; the median is printed")
    args = parser.parse_args(argv)
    root = Path(args.course).resolve()
    names = args.assignments or sorted(p.name for p in (root / "source").iterdir() if (p / f"{p.name}.ipynb").exists())
    for a in names:
        runs = [dict(measure(a, root)) for _ in range(args.rounds)]
        print(a)
        for cell_id in runs[0]:
            values = sorted(r.get(cell_id, 0.0) for r in runs)
            print(f"  {cell_id:28s} {values[len(values) // 2]:7.2f} s   (runs: {', '.join(f'{v:.2f}' for v in values)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
