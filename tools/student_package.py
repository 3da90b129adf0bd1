"""Keep the student helper package (``student/src/graders``) a verbatim copy of the grading
side's public helpers: what the release notebooks import (``assert_close``, ``gradient_check``,
``make_blobs``) and the modules they need, nothing else (no judge, no hidden check, no reference).

    python tools/student_package.py           # copy the modules into student/src/graders/
    python tools/student_package.py --check   # exit 1, naming them, if a copy differs

``tests/test_student_env.py`` runs the check, so an edit to graders/kernel/checks.py that is not copied
fails the suite instead of giving students other messages than the grader gives.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEST = ROOT / "student" / "src" / "graders"
#: graders/<path> -> student/src/graders/<path>, byte for byte (the package's own __init__.py is
#: written by hand: it exports the helpers only)
COPIED = ("kernel/__init__.py", "kernel/checks.py", "kernel/tolerances.py", "kernel/values.py", "kernel/gradcheck.py",
          "coursedata.py")
HEADER = "# Copied from graders/{name} by tools/student_package.py: edit the original, then run it.\n"


def expected(name: str) -> str:
    return HEADER.format(name=name) + (ROOT / "graders" / name).read_text()


def stale() -> list[str]:
    return [name for name in COPIED if not (DEST / name).exists() or (DEST / name).read_text() != expected(name)]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--check", action="store_true")
    args = p.parse_args(argv)
    if args.check:
        bad = stale()
        if bad:
            print("student/src/graders is out of date for " + ", ".join(bad) + ": run python tools/student_package.py")
            return 1
        print("student/src/graders matches graders/")
        return 0
    for name in COPIED:
        (DEST / name).parent.mkdir(parents=True, exist_ok=True)
        (DEST / name).write_text(expected(name))
        print(f"copied graders/{name} -> {(DEST / name).relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
