"""Numeric checks for Calculus for Machine Learning.

Students' visible tests use :func:`assert_close`; hidden tests call :func:`graders.kernel.probe.probe`,
whose results are judged in the grading process by :class:`graders.autograde.verdicts.TrustedVerdicts`.
"""

from graders.kernel.checks import CheckFailure, assert_close, check_returned, mismatch_message
from graders.kernel.gradcheck import GradCheck, gradient_check, numerical_gradient, rel_error

__all__ = [
    "CheckFailure",
    "assert_close",
    "check_returned",
    "mismatch_message",
    "GradCheck",
    "gradient_check",
    "numerical_gradient",
    "rel_error",
]
