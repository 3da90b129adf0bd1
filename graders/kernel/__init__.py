"""What runs in the student's kernel: the visible tests' checks and the hidden tests' probe
(calls to the student's functions, results shipped as plain numbers). Nothing here judges."""
