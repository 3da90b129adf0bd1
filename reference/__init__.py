"""Reference solutions, one module per assignment. Never shipped to students.

Imported only by the grading process (``graders.autograde.verdicts``) and by the test suite, from the
course root; the package is not installed into the environment the student's kernel sees.
"""
