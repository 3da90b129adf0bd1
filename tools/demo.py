"""`make demo`: the whole grading chain on the bundled fictional students, with stock nbgrader.

generate_assignment -> autograde (sandboxed kernels, trusted verdicts) -> generate_feedback ->
export, then a per-exercise table for TAs. Prints where every output is.
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
from graders.assignments import ASSIGNMENTS  # noqa: E402


def run(*args: str) -> None:
    env = dict(os.environ, PATH=f"{BIN}:{os.environ.get('PATH', '')}")
    print(f"$ nbgrader {' '.join(args)}", flush=True)
    proc = subprocess.run([str(BIN / "nbgrader"), *args], cwd=ROOT, env=env, capture_output=True, text=True)
    problems = [l for l in proc.stderr.splitlines() if "| ERROR]" in l or "| CRITICAL]" in l]
    for line in problems:
        print("  " + line)
    if proc.returncode != 0:
        print(proc.stdout[-3000:], proc.stderr[-3000:], sep="\n")
        raise SystemExit(f"nbgrader {args[0]} failed with exit code {proc.returncode}")


def exercise_table() -> pd.DataFrame:
    sys.path.insert(0, str(ROOT))
    from nbgrader.api import Gradebook

    rows = []
    with Gradebook(f"sqlite:///{ROOT / 'gradebook.db'}") as gb:
        for assignment in ASSIGNMENTS:
            for student in gb.students:
                try:
                    nb = gb.find_submission_notebook(assignment, assignment, student.id)
                except Exception:
                    continue
                for grade in nb.grades:
                    if grade.cell_type == "code":
                        rows.append({"student": student.id, "assignment": assignment, "exercise": grade.name,
                                     "score": grade.score, "max": grade.max_score})
    return pd.DataFrame(rows)


def failure_messages() -> pd.DataFrame:
    import json

    rows = []
    for assignment in ASSIGNMENTS:
        for path in sorted((ROOT / "autograded").glob(f"*/{assignment}/{assignment}.ipynb")):
            nb = json.loads(path.read_text())
            for cell in nb["cells"]:
                gid = cell["metadata"].get("nbgrader", {}).get("grade_id")
                for out in cell.get("outputs", []):
                    if out["output_type"] == "error" and cell["metadata"].get("nbgrader", {}).get("grade"):
                        rows.append({"student": path.parts[-3], "assignment": assignment, "exercise": gid,
                                     "message": (out.get("evalue") or out.get("ename", "")).splitlines()[0]})
    return pd.DataFrame(rows, columns=["student", "assignment", "exercise", "message"])


def main() -> None:
    start = time.time()
    for a in ASSIGNMENTS:
        run("generate_assignment", a, "--force")
        run("autograde", a, "--force")
        run("generate_feedback", a, "--force")
    exports = ROOT / "exports"
    exports.mkdir(exist_ok=True)
    run("export", "--to", str(exports / "grades.csv"))

    table = exercise_table()
    table.to_csv(exports / "exercise_scores.csv", index=False)
    failures = failure_messages()
    failures.to_csv(exports / "failures.csv", index=False)
    pivot = table.pivot_table(index="student", columns="exercise", values="score", aggfunc="sum")
    pivot["total"] = pivot.sum(axis=1)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print("\nPoints per student and exercise:")
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
    print(f"  points per exercise CSV:       {exports / 'exercise_scores.csv'}")
    print(f"  failure messages CSV:          {exports / 'failures.csv'}")
    print(f"  gradebook:                     {ROOT / 'gradebook.db'}")


if __name__ == "__main__":
    main()
