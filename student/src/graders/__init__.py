"""The course's helpers for students: what the notebooks import, nothing of the grading side.

``from graders import assert_close`` (the visible tests' comparison, with the same messages as
the grader's), ``gradient_check`` (w3) and ``from graders.coursedata import make_blobs`` (w3's
data) work here as in grading. The judges (``graders.assignments``, ``graders.autograde``), the
hidden tests' probe, the reference solutions and the grading machinery are not in this package.
Its other modules are the grading side's own files, taken from the course's ``graders`` when the
package is built (``student/setup.py``).
"""

from graders.kernel.checks import CheckFailure, assert_close, mismatch_message
from graders.kernel.gradcheck import GradCheck, gradient_check, numerical_gradient, rel_error

__all__ = [
    "CheckFailure",
    "assert_close",
    "mismatch_message",
    "GradCheck",
    "gradient_check",
    "numerical_gradient",
    "rel_error",
]
