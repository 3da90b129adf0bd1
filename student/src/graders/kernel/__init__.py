# Copied from graders/kernel/__init__.py by tools/student_package.py: edit the original, then run it.
"""What runs in the student's kernel: the visible tests' checks and the hidden tests' probe
(calls to the student's functions, results shipped as plain numbers). Nothing here judges."""
