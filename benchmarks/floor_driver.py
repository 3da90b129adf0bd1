"""The warm floor of grade_throughput.py: notebook scripts forked from one preloaded Python.

    python benchmarks/floor_driver.py        # then one folder per line on stdin

Imports what calc4ml grade's fork server preloads (numpy, pandas, matplotlib, the probe) once,
then for each folder read on stdin forks a child that runs ``<folder>/run.py`` there (stdout and
stderr to /dev/null) and answers the child's wall seconds on stdout. A child still running
after ``CHILD_TIMEOUT`` seconds is killed and counted with the time it took.
"""

from __future__ import annotations

import importlib
import os
import signal
import sys
import time

from graders.run.forkserver import PRELOAD

# what calc4ml grade's fork server preloads, but the kernel itself (matplotlib draws with Agg:
# MPLBACKEND in grade_throughput.FLOOR_ENV)
for _name in PRELOAD:
    if not _name.startswith("ipykernel"):
        importlib.import_module(_name)

#: Seconds before a child is killed (each cell already has its own 30 s alarm in run.py).
CHILD_TIMEOUT = 600


def _run_child(folder: str) -> None:
    try:
        os.chdir(folder)
        sys.path[0] = folder
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        with open("run.py") as f:
            code = compile(f.read(), "run.py", "exec")
        exec(code, {"__name__": "__main__"})
    finally:
        os._exit(0)


def main() -> None:
    for line in sys.stdin:
        folder = line.strip()
        if not folder:
            continue
        t0 = time.monotonic()
        pid = os.fork()
        if pid == 0:
            _run_child(folder)
        while os.waitpid(pid, os.WNOHANG) == (0, 0):
            if time.monotonic() - t0 > CHILD_TIMEOUT:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                break
            time.sleep(0.01)
        print(f"{time.monotonic() - t0:.4f}", flush=True)


if __name__ == "__main__":
    main()
