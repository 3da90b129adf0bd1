"""nbgrader configuration of the course. Every stock `nbgrader` command reads it.

Two things differ from stock nbgrader, both during `nbgrader autograde`:
* the student's kernel runs in a bubblewrap sandbox (graders/sandbox.py): no reference/,
  source/, gradebook or network, memory and CPU limits;
* test cells are decided in this process by graders.verdicts.TrustedVerdicts, from the plain
  numbers the student's functions returned, never by asserts inside the student's kernel.
"""

import os
import sys

ROOT = os.path.dirname(os.path.abspath(__file__))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from nbconvert.preprocessors import ClearMetadataPreprocessor  # noqa: E402
from nbgrader.preprocessors import (  # noqa: E402
    AssignLatePenalties, CheckCellMetadata, Execute, IgnorePattern, LimitOutput, SaveAutoGrades,
)

from graders.verdicts import TrustedVerdicts  # noqa: E402

c = get_config()  # noqa: F821

c.CourseDirectory.course_id = "calc4ml"
c.CourseDirectory.root = ROOT
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(ROOT, "gradebook.db")
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".DS_Store"]

c.GenerateAssignment.create_assignment = True
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}

c.Autograde.autograde_preprocessors = [
    Execute,
    TrustedVerdicts,  # after the kernel ran, before anything reads or saves the outputs
    IgnorePattern,
    ClearMetadataPreprocessor,
    LimitOutput,
    SaveAutoGrades,
    AssignLatePenalties,
    CheckCellMetadata,
]
c.Execute.kernel_manager_class = "graders.sandbox.SandboxedKernelManager"
c.Execute.timeout = 30  # seconds per cell
