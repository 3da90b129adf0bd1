"""calc4ml-student's build: the helper modules are taken from the course's own ``graders`` at
build time (``../graders``), so students get the very code the grader runs, with no copy to keep
in step. Only what the notebooks import and what it needs; nothing that judges.

Build from the course checkout (``pip install -r student/requirements.txt`` from the course
folder, or ``python tools/student_env.py DEST``).
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
COURSE_GRADERS = HERE.parent / "graders"
#: graders/<path> of the course -> graders/<path> in the wheel, byte for byte; the package's
#: own __init__.py (src/graders/__init__.py) exports the helpers only
SHIPPED = ("kernel/__init__.py", "kernel/checks.py", "kernel/tolerances.py", "kernel/values.py",
           "kernel/gradcheck.py", "coursedata.py")


class BuildWithCourseHelpers(build_py):
    def run(self):
        shutil.rmtree(Path(self.build_lib) / "graders", ignore_errors=True)  # nothing left from an older build
        super().run()
        missing = [name for name in SHIPPED if not (COURSE_GRADERS / name).is_file()]
        if missing:
            raise SystemExit(f"calc4ml-student is built from the course checkout: {COURSE_GRADERS} lacks "
                             f"{', '.join(missing)} (build it with `pip install ./student` from the course folder)")
        for name in SHIPPED:
            dest = Path(self.build_lib) / "graders" / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes((COURSE_GRADERS / name).read_bytes())


setup(cmdclass={"build_py": BuildWithCourseHelpers})
