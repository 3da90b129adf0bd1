"""The runtime around nbgrader: the kernel sandbox and its isolation, the fork server, grading a
class in parallel, the canary, and reading the course configuration."""
