"""`make demo`: the whole grading chain on the bundled fictional students.

calc4ml release (nbgrader generate_assignment) -> calc4ml grade (nbgrader's autograde on all
cores: sandboxed kernels, trusted verdicts; then generate_feedback) -> calc4ml export
(nbgrader's CSV export) -> calc4ml report (CSV and HTML with plots). Prints where everything is.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))


def run(*args: str) -> None:
    env = dict(os.environ, PATH=f"{BIN}:{os.environ.get('PATH', '')}")
    print(f"$ calc4ml {' '.join(args)}", flush=True)
    proc = subprocess.run([str(BIN / "calc4ml"), "--course", str(ROOT), *args], cwd=ROOT, env=env)
    if proc.returncode not in (0, 1):  # 1: some submission could not be graded (named above)
        raise SystemExit(f"calc4ml {args[0]} failed with exit code {proc.returncode}")


def main() -> None:
    start = time.time()
    exports = ROOT / "exports"
    run("release")
    run("grade")
    run("export", "--to", str(exports / "grades.csv"))
    run("report", "--out", str(exports / "report"))

    from graders.report import collect

    data = collect(ROOT)
    table = data.scores.dropna(subset=["score"])  # printed here; the CSVs are the report's own
    failures = data.failures.rename(columns={"headline": "message"})
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        for assignment, part in table.groupby("assignment", sort=False):
            pivot = part.pivot_table(index="student", columns="exercise", values="score", aggfunc="sum", sort=False)
            pivot["total"] = pivot.sum(axis=1)
            print(f"\nPoints per student and exercise, {assignment}:")
            print(pivot.rename(columns=lambda c: c.replace("test_", "")).to_string())
        if len(failures):
            print("\nWhat failed (first line of each message):")
            for row in failures.itertuples():
                print(f"  {row.student:18s} {row.exercise:22s} {row.message}")
    print(f"\nDone in {time.time() - start:.0f} s. Outputs:")
    print(f"  release (students' notebooks): {ROOT / 'release'}")
    print(f"  autograded notebooks:          {ROOT / 'autograded'}/<student>/<assignment>/")
    print(f"  feedback HTML:                 {ROOT / 'feedback'}/<student>/<assignment>/<assignment>.html")
    for f in sorted((ROOT / "feedback").glob("*/*/*.html")):
        print(f"    {f.relative_to(ROOT)}")
    print(f"  grades CSV (nbgrader export):  {exports / 'grades.csv'}")
    print(f"  points per exercise CSV:       {exports / 'report' / 'exercise_scores.csv'}")
    print(f"  failure messages CSV:          {exports / 'report' / 'failures.csv'}")
    print(f"  LMS grades CSV:                {exports / 'report' / 'lms_grades.csv'}")
    print(f"  report (HTML with plots):      {exports / 'report' / 'report.html'}")
    print(f"  gradebook:                     {ROOT / 'gradebook.db'}")


if __name__ == "__main__":
    main()
