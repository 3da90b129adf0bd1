"""Build the students' environment: a fresh venv from ``student/requirements.txt``.

    python tools/student_env.py /opt/calc4ml-student     # then point JupyterHub's spawner at its bin/

What it holds: numpy, pandas, matplotlib, ipykernel, JupyterLab, nbgrader (Validate and the
Assignments tab), jupyterhub (the single-user server) and ``calc4ml-student`` (``student/``: the
helpers the notebooks import). Then, in the env only (``--sys-prefix``): nbgrader's student
configuration (``student/jupyter/nbgrader_config.py``: course id, exchange) and nbgrader's
instructor extensions (Formgrader, Courses, Create Assignment) switched off, so students see the
Assignments tab and Validate only.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REQUIREMENTS = ROOT / "student" / "requirements.txt"
#: nbgrader's JupyterLab plugins and server extensions students do not get
INSTRUCTOR_LAB_PLUGINS = (
    "@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:course-list", "@jupyter/nbgrader:create-assignment",
)
INSTRUCTOR_SERVER_EXTENSIONS = ("nbgrader.server_extensions.formgrader", "nbgrader.server_extensions.course_list")


def build(dest: Path, python: str = sys.executable, quiet: bool = True) -> Path:
    """Create the venv at ``dest`` (replacing one there) and return its ``bin`` folder."""
    dest = Path(dest)
    if dest.exists():
        shutil.rmtree(dest)
    subprocess.run([python, "-m", "venv", str(dest)], check=True)
    pip = [str(dest / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check"]
    # the pip a Debian Python's venv starts with (23.0) cannot resolve the lock's newest releases
    subprocess.run(pip + ["--quiet", "--upgrade", "pip"], check=True)
    # the requirements' last line is ./student, a path relative to the course folder
    subprocess.run(pip + (["--quiet"] if quiet else []) + ["-r", str(REQUIREMENTS)], check=True, cwd=ROOT)
    etc = dest / "etc" / "jupyter"
    etc.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "student" / "jupyter" / "nbgrader_config.py", etc / "nbgrader_config.py")
    env = dict(os.environ, PATH=f"{dest / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}")
    jupyter = str(dest / "bin" / "jupyter")
    for plugin in INSTRUCTOR_LAB_PLUGINS:
        subprocess.run([jupyter, "labextension", "disable", "--level=sys_prefix", plugin], check=True, env=env,
                       capture_output=True)
    for ext in INSTRUCTOR_SERVER_EXTENSIONS:
        subprocess.run([jupyter, "server", "extension", "disable", "--sys-prefix", ext], check=True, env=env,
                       capture_output=True)
    return dest / "bin"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Build the students' environment (a fresh venv).")
    p.add_argument("dest", type=Path, help="where the venv goes (replaced if it exists)")
    args = p.parse_args(argv)
    t = time.monotonic()
    bin_dir = build(args.dest, quiet=False)
    print(f"student environment ready in {time.monotonic() - t:.0f} s: {bin_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
