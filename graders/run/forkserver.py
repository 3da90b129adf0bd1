"""A kernel fork server that runs *inside* the bubblewrap sandbox (``python -m graders.run.forkserver``).

Starting a sandboxed kernel costs ~2.5 s of CPU before any student code runs: Python, ipykernel,
numpy, pandas, matplotlib and its font cache. The fork server pays that once per grading worker: it
imports them, then forks one fresh kernel process per submission. Every kernel

* is a new process that has never run student code (forked from the fork server, which never runs
  any), in its own session, isolated by :func:`graders.run.isolate.enter`: its own user, PID and
  mount namespaces (it can neither see nor signal the fork server, and everything it starts dies
  with it), private size-limited tmpfs for its working folder, ``/tmp`` and ``/dev/shm`` (gone
  with it: nothing it writes reaches the next kernel), the memory, CPU, process and file-size
  limits, no capabilities;
* starts after :func:`reset` killed every other process of the sandbox and checked that
  ``/tmp`` and ``/dev/shm`` hold nothing but the fork server's own; the host then checks the answer
  and throws the whole sandbox away if anything survived;
* cannot reach the fork server: the fork server is not dumpable (no ptrace, no ``/proc/<pid>/mem``, no
  ``/proc/<pid>/fd``) and the kernel's standard streams are ``/dev/null``, not its pipes.

Protocol: one JSON object per line on stdin, one JSON answer per line on stdout.
"""

from __future__ import annotations

import ctypes
import gc
import json
import os
import pkgutil
import signal
import sys
from typing import Any

from graders.run import isolate

__all__ = ["main", "PRELOAD", "KERNEL_PRELOAD"]

#: What every kernel imports anyway: ipykernel, the course's libraries, the hidden tests' probe.
PRELOAD = ("ipykernel.kernelapp", "ipykernel.ipkernel", "numpy", "pandas", "matplotlib", "matplotlib.pyplot",
           "graders.kernel.probe")
#: What ipykernel imports lazily while a kernel initialises (its debugger and debugpy, pdb, the
#: history's sqlite3, IPython's extensions and inspectors, tornado's asyncio platform) and what
#: the first plot imports (the Agg canvas). Found by diffing ``sys.modules`` around
#: ``IPKernelApp.initialize``; preloaded, a forked kernel initialises in ~0.06 s instead of ~0.16 s.
KERNEL_PRELOAD = (
    "ipykernel.debugger", "pdb", "sqlite3", "faulthandler", "pydoc", "http.server", "xmlrpc.server",
    "tornado.gen", "tornado.locks", "tornado.queues", "tornado.platform.asyncio",
    "IPython.extensions.storemagic", "IPython.core.completerlib", "IPython.core.debugger", "IPython.core.oinspect",
    "IPython.core.logger", "IPython.utils.wildcard", "matplotlib.backends.backend_agg", "PIL.features",
    # what the notebooks' own cells import on first use (found by diffing ``sys.modules`` across a
    # graded submission of each assignment): the probe's checks, CSV round trips, contour plots
    "graders.assignments", "pandas.io.formats.csvs", "pandas.io.formats.string", "contourpy",
)

_PR_SET_DUMPABLE = 4
#: The traceback theme of a kernel's shell (``InteractiveShell.colors``' default).
WARM_THEME = "neutral"
_children: dict[int, int | None] = {}  # pid -> return code once reaped


def _returncode(status: int) -> int:
    return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)


def _reap() -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        if pid in _children:
            _children[pid] = _returncode(status)


def _others() -> list[int]:
    me = os.getpid()
    return [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) not in (1, me)]


def _empty(folder: str, mounts: list[str] | None = None) -> list[str]:
    """Delete what ``folder`` holds, never entering a mount point (the sandbox's binds), even
    what was made read-only; return what survived (empty when all is gone)."""
    mounts = isolate.mount_points() if mounts is None else mounts
    try:
        entries = os.listdir(folder)
    except OSError:
        return []
    left = []
    for name in entries:
        path = os.path.join(folder, name)
        if path in mounts:
            continue
        if any(m.startswith(path + "/") for m in mounts):
            left += _empty(path, mounts)  # a folder on the way to a bind: keep it, empty the rest
            continue
        try:
            isolate.remove_tree(path)
        except OSError:
            left.append(path)
    return left


def reset() -> dict[str, Any]:
    """Kill every other process in the sandbox, reap, and empty /tmp and /dev/shm."""
    killed = 0
    for _ in range(20):
        pids = _others()
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except ProcessLookupError:
                pass
        _reap()
        if _others():
            import time

            time.sleep(0.01)
    for pid in list(_children):
        if _children[pid] is None:
            _children[pid] = -signal.SIGKILL
    survivors = _empty("/tmp") + _empty("/dev/shm")
    os.makedirs(os.environ.get("MPLCONFIGDIR", "/tmp/matplotlib"), exist_ok=True)
    return {"killed": killed, "left": len(_others()), "files_left": survivors[:10]}


def _child(req: dict[str, Any]) -> None:
    """In the forked process: become a fresh, isolated ipykernel (never returns)."""
    try:
        os.setsid()
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.close(null)
        os.environ.clear()
        os.environ.update(req["env"])
        import numpy as np

        np.random.seed()  # the legacy global generator, seeded from the OS as a fresh import does
    except BaseException:  # noqa: BLE001
        os._exit(1)
    isolate.run_kernel(req["cwd"], req["argv"])


#: Seconds the fork server waits for a SIGKILLed kernel to be reaped before it answers. Answering
#: after the death lets jupyter_client's shutdown see a dead kernel at once instead of polling
#: it every 0.1 s; a kernel stuck in the kernel (D state) is left to the next reset.
KILL_WAIT = 2.0


def _await_death(pid: int) -> None:
    import time

    end = time.monotonic() + KILL_WAIT
    while _children.get(pid, 0) is None and time.monotonic() < end:
        _reap()
        if _children.get(pid, 0) is None:
            time.sleep(0.001)


def _warm_tracebacks() -> None:
    """Format tracebacks as a kernel's shell does (IPython's Context mode, the shell's theme)
    from where failing cells stop: the visible tests' ``graders.assert_close`` and ``numpy.testing``.

    A kernel's first traceback otherwise imports stack_data, executing, pygments' lexers and
    formatters and parses those modules' source: ~0.4 s of CPU in every submission with a failing
    cell, ~0.05 s once done here. The text of every later traceback is unchanged (the caches hold
    parsed read-only library source, checked against the file as linecache does), which
    tests/test_fastgrade.py checks against stock grading's tracebacks.
    """
    import numpy as np
    from IPython.core.ultratb import AutoFormattedTB

    from graders import assert_close

    formatter = AutoFormattedTB(mode="Context", theme_name=WARM_THEME, tb_offset=1)
    for fails in (lambda: assert_close(np.zeros(2), np.ones(2), name="warm-up"),
                  lambda: np.testing.assert_allclose(1.0, 2.0)):
        try:
            fails()
        except AssertionError:
            formatter.structured_traceback(*sys.exc_info())


def _answer(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def main() -> None:
    import importlib
    import threading

    for name in PRELOAD + KERNEL_PRELOAD:
        importlib.import_module(name)
    import graders.assignments as checks

    for info in pkgutil.iter_modules(checks.__path__, f"{checks.__name__}."):
        importlib.import_module(info.name)  # every assignment's checks, which the probe loads
    import matplotlib.font_manager  # noqa: F401  (builds the font cache once)

    _warm_tracebacks()
    # Every object alive now is the kernels' shared, read-only inheritance: out of the
    # collector's sight, a kernel's full collection neither walks (~0.12 s) nor copies its pages.
    gc.collect()
    gc.freeze()

    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)
    threads = len(os.listdir("/proc/self/task"))
    _answer({"ready": True, "pid": os.getpid(), "threads": threads, "python_threads": threading.active_count()})
    for line in sys.stdin:
        try:
            req = json.loads(line)
            op = req.get("op")
            if op == "fork":
                pid = os.fork()
                if pid == 0:
                    _child(req)
                _children[pid] = None
                _answer({"pid": pid})
            elif op == "poll":
                _reap()
                pid = int(req["pid"])
                _answer({"returncode": _children.get(pid, 0)})
            elif op == "signal":
                pid, sig = int(req["pid"]), int(req["signal"])
                try:
                    os.killpg(pid, sig)  # the kernel leads its own session: its children too
                except OSError:
                    try:
                        os.kill(pid, sig)
                    except OSError:
                        pass
                if sig == signal.SIGKILL:
                    _await_death(pid)
                _answer({"ok": True})
            elif op == "reset":
                _answer(reset())
            else:
                _answer({"error": f"unknown op {op!r}"})
        except Exception as exc:  # noqa: BLE001 - answer, never die on a bad request
            _answer({"error": f"{type(exc).__name__}: {exc}"})


if __name__ == "__main__":
    main()
