"""Grade a whole class concurrently, with the same grades as ``nbgrader autograde``.

``grade_class`` runs one kernel per core and one grading worker more than that. Each worker

* loads ``nbgrader_config.py`` like every stock command and grades one submission at a time
  through nbgrader's own API (``NbGraderAPI.autograde``): the same preprocessors, the same
  sandbox, the same trusted verdicts, the same gradebook rows;
* starts its kernels from a :mod:`graders.run.forkserver` fork server running in the worker's own
  bubblewrap sandbox, so the ~2.5 s of CPU spent importing ipykernel, numpy, pandas and
  matplotlib is paid once per worker, not once per notebook. Each kernel is still a fresh
  process that never ran student code, with the sandbox and limits of stock grading (see the
  fork server's docstring for what is reset between submissions).

At most ``jobs`` kernels run at once (a semaphore around ``Execute``, "kernel slots"): the extra
worker sanitises, judges and writes its submission to the gradebook while the others' kernels
run, so no core waits on the gradebook's fsyncs or on a kernel's start-up, and no kernel has less
of a core than under stock grading, where its timeout of 30 s per cell was meant.

The gradebook is SQLite: workers open it with a long busy timeout, and a submission whose
write still fails with "database is locked" is graded again, never lost. Every finished
submission is appended (and fsynced) to a journal, so ``resume=True`` after a crash or a
SIGKILL grades only what is missing. A submission is journaled with the hash of its submitted
files and the hashes of what decides its grade on the course's side (``course_hashes``: the
``graders`` package, ``reference/``, ``release/<assignment>/``, ``nbgrader_config.py``), so a
changed submission, or one graded before a check, a reference or the configuration changed, is
graded again.

With ``feedback=True`` the worker that graded a submission also writes its feedback HTML
(nbgrader's ``generate_feedback``, through the same API) before reporting it: feedback is
written in parallel, and a feedback failure is reported with the result, never turning a
graded submission into a lost one.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import hashlib
import json
import logging
import multiprocessing as mp
import os
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from queue import Empty
from typing import Any, Callable, Iterable, Sequence

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.connect import KernelConnectionInfo
from traitlets import DottedObjectName, Type

from graders.run.course import api_problem
from graders.run.isolate import remove_tree
from graders.run.sandbox import ProcessCap, SandboxedKernelManager, SandboxProvisioner, _kernel_env, sandbox_command

__all__ = [
    "GradeTask", "GradeResult", "GradeSummary", "ForkServer", "ForkServerKernelManager", "PromptKernelClient", "grade_class",
    "find_submissions", "journal_entries", "read_journal", "pid_alive", "longest_first", "Scheduler", "JOURNAL", "DB_BUSY_TIMEOUT",
    "course_hashes", "COURSE_PARTS",
    "EXTRA_WORKERS", "slotted",
]

log = logging.getLogger(__name__)

#: Where finished submissions are journaled (relative to the course root).
JOURNAL = Path(".calc4ml") / "grade-journal.jsonl"
#: Seconds a worker waits for the gradebook's write lock before SQLite says "locked". A
#: submission writes for well under a second; two minutes absorbs any pile-up of workers.
DB_BUSY_TIMEOUT = 120
#: Attempts per submission when the gradebook still reports a lock.
LOCK_RETRIES = 3
#: Grading workers beyond the kernel slots: one prepares or finishes a submission (sanitise,
#: verdicts, gradebook, files) while every slot runs a kernel.
EXTRA_WORKERS = 1
#: Seconds the fork server may take to import its libraries on a loaded machine.
FORK_SERVER_START_TIMEOUT = 120


class ForkServerDied(RuntimeError):
    pass


#: The grading worker's PID, in each fork server's folders: a worker killed with SIGKILL cannot
#: remove them, the next fork server on the machine does.
OWNER_FILE = "owner.pid"


def pid_alive(pid: int) -> bool:
    """Whether a process with this PID exists (one of another user's counts too)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _sweep_orphans() -> None:
    """Remove the folders of fork servers whose grading worker is gone."""
    for pattern in ("calc4ml-forkserver-*", "calc4ml-kernels-*"):
        for folder in Path(tempfile.gettempdir()).glob(pattern):
            try:
                owner = int((folder / OWNER_FILE).read_text())
            except (OSError, ValueError):
                continue  # not ours to judge, or being made
            if pid_alive(owner):
                continue
            try:
                remove_tree(str(folder))
            except OSError:
                log.warning("could not remove %s, left by a grading worker that died", folder)


class ForkServer:
    """Host side of a :mod:`graders.run.forkserver` fork server in its own sandbox."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[str] | None = None
        self.renewals = 0  # sandboxes thrown away because something survived a reset
        self._workdir: str | None = None  # the submission folder copied into the slot
        self._lock = threading.Lock()
        # the kernels' connection folders: kept across renewals (a kernel manager made its own
        # before the fork that finds the sandbox to renew); each kernel can write only its own,
        # and only until its sockets are bound (graders.run.isolate.seal)
        _sweep_orphans()
        self.private = Path(tempfile.mkdtemp(prefix="calc4ml-kernels-"))
        (self.private / OWNER_FILE).write_text(str(os.getpid()))
        self._make_folders()

    def _make_folders(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="calc4ml-forkserver-"))
        self.slot = self.root / "work"
        self.log = self.root / "fork-server.log"  # its stderr: why it died, if it does
        self.slot.mkdir()
        (self.root / OWNER_FILE).write_text(str(os.getpid()))

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self) -> None:
        self.stop()
        self._cap = ProcessCap()  # one kernel at a time: the sandbox's process cap is the kernel's
        cmd = self._cap.prefix(
            sandbox_command([sys.executable, "-m", "graders.run.forkserver"], workdir=self.slot, private_dirs=[self.private]))
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
                                         env=_kernel_env(None), text=True, bufsize=1, cwd=self.slot)
        ready = self._read(FORK_SERVER_START_TIMEOUT)
        if not ready.get("ready"):
            raise ForkServerDied(f"the kernel fork server did not start: {ready}")
        if ready.get("threads") != 1:
            self.stop()
            raise ForkServerDied(f"the kernel fork server has {ready.get('threads')} threads; forking it is unsafe")

    def stop(self) -> None:
        if self.proc is not None:
            try:
                self.proc.kill()
                self.proc.wait(timeout=10)
            except Exception:  # noqa: BLE001
                pass
            for stream in (self.proc.stdin, self.proc.stdout):
                try:
                    stream.close()  # type: ignore[union-attr]
                except Exception:  # noqa: BLE001
                    pass
            self.proc = None
            self._cap.close()

    def close(self) -> None:
        self.stop()
        for folder in (self.root, self.private):
            try:
                remove_tree(str(folder))
            except OSError:
                pass

    def renew(self) -> None:
        """Throw the sandbox away (fork server, its slot) and start a new one."""
        self.stop()
        try:
            remove_tree(str(self.root))
        except OSError:
            log.warning("could not remove the old fork server's folder %s", self.root)
        self.renewals += 1
        self._make_folders()
        self._workdir = None
        self.start()

    def _why(self) -> str:
        """The last lines the fork server wrote on stderr (a traceback, an isolation failure)."""
        try:
            lines = [ln for ln in self.log.read_text(errors="replace").splitlines() if ln.strip()]
        except OSError:
            return ""
        return (": " + " | ".join(lines[-3:]))[:800] if lines else ""

    def _read(self, timeout: float) -> dict[str, Any]:
        assert self.proc is not None and self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        line = self.proc.stdout.readline() if ready else ""
        if not line:
            self.stop()
            what = "the kernel fork server died" if ready else "the kernel fork server does not answer"
            raise ForkServerDied(what + self._why())
        return json.loads(line)

    def request(self, **req: Any) -> dict[str, Any]:
        with self._lock:
            if not self.alive():
                raise ForkServerDied("the kernel fork server is not running")
            assert self.proc is not None and self.proc.stdin is not None
            try:
                self.proc.stdin.write(json.dumps(req) + "\n")
                self.proc.stdin.flush()
            except (BrokenPipeError, OSError) as exc:
                self.stop()
                raise ForkServerDied("the kernel fork server died") from exc
            return self._read(60)

    def new_submission(self) -> None:
        """The next fork starts a new grading: the slot gets a clean copy of the submission."""
        self._workdir = None

    def _empty_slot(self) -> bool:
        """Before a new submission: empty the slot (whatever its entries' modes); ``False`` if
        anything is left. (Kernels cannot write the slot or the private folder: see the fork server.)"""
        for entry in self.slot.iterdir():
            try:
                remove_tree(str(entry))
            except OSError:
                pass
        return not any(self.slot.iterdir())

    def fork(self, workdir: str | os.PathLike[str], argv: list[str], env: dict[str, str]) -> int:
        """A fresh kernel whose working folder holds a copy of ``workdir``'s files."""
        if not self.alive():
            self.start()
            self.new_submission()
        answer = self.request(op="reset")
        fresh = self._workdir != str(workdir)
        if answer.get("left") or answer.get("files_left") or (fresh and not self._empty_slot()):
            log.warning("something survived the fork server's reset (%s): starting a new sandbox", answer)
            self.renew()
            self.request(op="reset")
        # Every kernel works in a private copy of the slot (graders.run.isolate), as a stock kernel
        # does in its own: nothing it writes comes back, so the slot holds the submission only.
        if fresh:
            shutil.copytree(workdir, self.slot, dirs_exist_ok=True, symlinks=True)
            self._workdir = str(workdir)
        answer = self.request(op="fork", cwd=str(self.slot), argv=argv, env=env)
        if "pid" not in answer:
            raise ForkServerDied(f"the kernel fork server could not fork: {answer}")
        return int(answer["pid"])


class _ForkedKernel:
    """What jupyter_client's LocalProvisioner expects of its ``Popen``, for a forked kernel."""

    stdin = stdout = stderr = None

    def __init__(self, fork_server: ForkServer, pid: int) -> None:
        self.fork_server, self.pid, self.returncode = fork_server, pid, None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                self.returncode = self.fork_server.request(op="poll", pid=self.pid).get("returncode")
            except ForkServerDied:
                self.returncode = -9  # the sandbox is gone, and the kernel with it
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout or 0)
            time.sleep(0.02)
        return int(self.returncode)  # type: ignore[arg-type]

    def send_signal(self, sig: int) -> None:
        if self.poll() is None:
            try:
                self.fork_server.request(op="signal", pid=self.pid, signal=int(sig))
            except ForkServerDied:
                pass

    def kill(self) -> None:
        self.send_signal(9)

    def terminate(self) -> None:
        self.send_signal(15)


#: Seconds between two ``kernel_info`` requests while waiting for IOPub to show one of them.
READY_RESEND = 0.03


class PromptKernelClient(AsyncKernelClient):
    """``AsyncKernelClient`` whose ``wait_for_ready`` returns as soon as the kernel is ready.

    jupyter_client's wait, once the kernel has answered ``kernel_info``, checks IOPub for 0.2 s,
    starts over if it saw nothing (a SUB socket that connects late misses what was published
    before), then reads IOPub until it has been silent for 0.2 s: at least 0.2 s of idle per
    kernel, often 0.45 s, a fifth of a small notebook's grading. This one waits for the reply on
    the shell channel, then sends ``kernel_info`` again every ``READY_RESEND`` seconds until IOPub
    shows the kernel's ``idle`` status for one of its requests: that proves IOPub is connected.
    Nothing needs flushing: nbclient reads only the messages whose parent is the cell it runs.
    """

    async def _prompt_wait(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        sent: set[str] = set()
        reply: dict[str, Any] | None = None
        while True:
            sent.add(self.kernel_info())
            if reply is None:
                reply = await self._reply(sent, min(1.0, deadline - time.monotonic()))
            if reply is not None and await self._idle(sent, READY_RESEND):
                self._handle_kernel_info_reply(reply)
                return
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")

    async def _reply(self, sent: set[str], timeout: float) -> dict[str, Any] | None:
        end = time.monotonic() + max(timeout, 0.0)
        while (left := end - time.monotonic()) > 0:
            try:
                msg = await self.shell_channel.get_msg(timeout=left)
            except Empty:
                return None
            if msg["parent_header"].get("msg_id") in sent and msg["msg_type"] == "kernel_info_reply":
                return msg
        return None

    async def _idle(self, sent: set[str], timeout: float) -> bool:
        end = time.monotonic() + timeout
        while (left := end - time.monotonic()) > 0:
            try:
                msg = await self.iopub_channel.get_msg(timeout=left)
            except Empty:
                return False
            if (msg["parent_header"].get("msg_id") in sent and msg["msg_type"] == "status"
                    and msg["content"].get("execution_state") == "idle"):
                return True
        return False

    wait_for_ready = _prompt_wait  # type: ignore[assignment]


class ForkServerProvisioner(SandboxProvisioner):
    """``SandboxProvisioner`` whose ipykernels are forked by the worker's fork server (its
    manager's ``fork_server``); any other kernel, or none set, starts as the stock sandbox does."""

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> KernelConnectionInfo:
        fork_server = getattr(self.parent, "fork_server", None)
        launcher = [i for i, a in enumerate(cmd) if a == "ipykernel_launcher"]
        if fork_server is None or not self.sandboxed or not launcher:
            return await super().launch_kernel(cmd, **kwargs)
        argv = list(cmd[launcher[0] + 1:])
        pid = fork_server.fork(kwargs.get("cwd") or os.getcwd(), argv, _kernel_env(kwargs.get("env")))
        # LocalProvisioner's poll, wait, signals and kill all go through this Popen-like
        self.process, self.pid, self.pgid = _ForkedKernel(fork_server, pid), pid, None
        self.cwd = str(fork_server.slot)
        return self.connection_info

    def tree_root(self) -> int | None:
        """A forked kernel lives in the fork server's sandbox: the root of its tree is the fork
        server's bwrap (per-cell CPU deltas of that tree are the kernel's; the server idles meanwhile)."""
        if isinstance(self.process, _ForkedKernel) and self.process.fork_server.proc is not None:
            return self.process.fork_server.proc.pid
        return super().tree_root()


class ForkServerKernelManager(SandboxedKernelManager):
    """``SandboxedKernelManager`` whose ipykernels are forked by the worker's fork server."""

    fork_server: ForkServer | None = None  # set once per worker process
    provisioner_class = ForkServerProvisioner
    client_class = DottedObjectName("graders.run.fastgrade.PromptKernelClient")
    client_factory = Type(klass=PromptKernelClient, default_value=PromptKernelClient)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if self.fork_server is not None and not self._unsafe:
            shutil.rmtree(self._private, ignore_errors=True)
            self._private = tempfile.mkdtemp(prefix="k-", dir=self.fork_server.private)
            self.connection_file = os.path.join(self._private, "kernel.json")
            self.ip = os.path.join(self._private, "ipc")


# --------------------------------------------------------------------------------------------
# the class run


@dataclass(frozen=True)
class GradeTask:
    assignment: str
    student: str
    digest: str  # of the submitted files: a changed submission is graded again on resume
    #: ``course_hashes`` of its assignment when it was found: what else decides its grade; a
    #: submission journaled under other hashes is graded again on resume
    course: tuple[tuple[str, str], ...] = ()


@dataclass
class GradeResult:
    task: GradeTask
    success: bool
    seconds: float
    problem: str = ""
    #: feedback HTML written by the worker (False: not asked for, or it failed: see feedback_problem)
    feedback: bool = False
    feedback_problem: str = ""


@dataclass
class GradeSummary:
    results: list[GradeResult] = field(default_factory=list)
    skipped: list[GradeTask] = field(default_factory=list)
    seconds: float = 0.0
    jobs: int = 0  # kernels at once
    workers: int = 0
    #: graded before (the same submitted files) but under other course hashes, so graded again
    stale: list[GradeTask] = field(default_factory=list)
    #: which of COURSE_PARTS changed for them (all of them for journal lines without hashes)
    stale_parts: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[GradeResult]:
        return [r for r in self.results if not r.success]

    @property
    def feedback_failed(self) -> list[GradeResult]:
        return [r for r in self.results if r.success and r.feedback_problem]

    def text(self) -> str:
        n = len(self.results)
        rate = n / self.seconds if self.seconds else 0.0
        lines = [f"graded {n - len(self.failed)} of {n} submissions in {self.seconds:.1f} s "
                 f"({rate:.2f} notebooks/s, {self.jobs} kernel{'s' if self.jobs != 1 else ''} at once, "
                 f"{self.workers} workers)"
                 + (f"; {len(self.skipped)} already graded, skipped (--resume)" if self.skipped else "")]
        if self.stale:
            lines.append(f"{len(self.stale)} regraded because {'/'.join(self.stale_parts)} changed since they were "
                         "graded (--resume)")
        for r in self.failed:
            lines.append(f"  FAILED {r.task.student} / {r.task.assignment}: {r.problem}")
        for r in self.feedback_failed:
            lines.append(f"  feedback FAILED {r.task.student} / {r.task.assignment} (graded; its grade is saved): "
                         f"{r.feedback_problem}")
        return "\n".join(lines)


#: Folders never hashed: caches and editors' copies decide no grade.
_NOT_HASHED = ("__pycache__", ".ipynb_checkpoints")


def _files(folder: Path, suffix: str = "", skip: frozenset[str] = frozenset()) -> list[Path]:
    """Files under ``folder`` (a file: itself), in a stable order, caches and checkpoints skipped,
    and the top-level entries named in ``skip`` (``name`` or ``name.py``)."""
    if folder.is_file():
        return [folder]
    return sorted(p for p in folder.rglob(f"*{suffix}")
                  if p.is_file() and not any(part in _NOT_HASHED for part in p.relative_to(folder).parts)
                  and p.relative_to(folder).parts[0].removesuffix(".py") not in skip)


def _digest(folder: Path, suffix: str = "", skip: frozenset[str] = frozenset()) -> str:
    """sha256 over the relative names and contents of ``_files(folder, suffix, skip)`` ('' if none)."""
    h = hashlib.sha256()
    if not folder.exists():
        return ""
    for path in _files(folder, suffix, skip):
        h.update(str(path.relative_to(folder) if path != folder else path.name).encode() + b"\0")
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


#: What decides a grade besides the submission, in the order ``course_hashes`` lists them.
COURSE_PARTS = ("graders", "reference", "release", "config")


def _graders_dirs(course_root: Path) -> list[Path]:
    """The ``graders`` package the grading imports, and the course's own ``graders/`` if it is another."""
    import graders

    dirs = [Path(graders.__file__).resolve().parent]
    own = (course_root / "graders").resolve()
    if own.is_dir() and own not in dirs:
        dirs.append(own)
    return dirs


def course_hashes(course_root: Path, assignment: str) -> tuple[tuple[str, str], ...]:
    """``((part, sha256), ...)`` for each of ``COURSE_PARTS``: the ``graders`` package's .py files
    (the one imported, and the course's ``graders/`` if that is another folder), ``reference/``
    (all of it but the other assignments' modules: a new week's reference regrades nothing),
    ``release/<assignment>/`` and ``nbgrader_config.py``. A submission graded under other hashes
    is graded again by ``resume``."""
    course_root = Path(course_root)
    graders = hashlib.sha256()
    for folder in _graders_dirs(course_root):
        graders.update(_digest(folder, ".py").encode())
    others = frozenset(p.name for d in ("source", "release") if (course_root / d).is_dir()
                       for p in (course_root / d).iterdir() if p.is_dir()) - {assignment}
    return (("graders", graders.hexdigest()),
            ("reference", _digest(course_root / "reference", skip=others)),
            ("release", _digest(course_root / "release" / assignment)),
            ("config", _digest(course_root / "nbgrader_config.py")))


def find_submissions(course_root: Path, assignments: Sequence[str], students: Sequence[str] | None = None,
                     *, hashes: bool = True) -> list[GradeTask]:
    """Every ``submitted/<student>/<assignment>/`` folder, in a stable order, with the hash of its
    files and its assignment's ``course_hashes`` (computed once per assignment); ``hashes=False``:
    neither (to list who submitted)."""
    tasks = []
    for assignment in assignments:
        folders = [f for f in sorted((course_root / "submitted").glob(f"*/{assignment}"))
                   if f.is_dir() and (students is None or f.parent.name in students)]
        course = course_hashes(course_root, assignment) if hashes and folders else ()
        for folder in folders:
            tasks.append(GradeTask(assignment, folder.parent.name, _digest(folder) if hashes else "", course))
    return tasks


def read_journal(path: Path) -> list[dict[str, Any]]:
    """Every readable line of a JSON-lines journal, oldest first (a line cut by a kill is skipped)."""
    entries = []
    if path.exists():
        for line in path.read_text().splitlines():
            try:
                entries.append(json.loads(line))
            except json.JSONDecodeError:
                continue  # a line cut by a kill
    return entries


def journal_entries(course_root: Path) -> list[dict[str, Any]]:
    """Every readable line of the course's grading journal, oldest first."""
    return read_journal(Path(course_root) / JOURNAL)


def longest_first(tasks: Sequence[GradeTask], entries: Iterable[dict[str, Any]]) -> list[GradeTask]:
    """``tasks`` with the longest expected first, so no worker ends the run on a long one alone.

    A submission is expected to take what its last grading took (journal ``seconds``); one never
    graded, what the median submission of its assignment took; with no history at all the order
    is kept. Ties keep the given order.
    """
    last: dict[tuple[str, str], float] = {}
    for e in entries:
        if isinstance(e.get("seconds"), (int, float)):
            last[(e.get("assignment"), e.get("student"))] = float(e["seconds"])
    by_assignment: dict[str, list[float]] = {}
    for (assignment, _), seconds in last.items():
        by_assignment.setdefault(assignment, []).append(seconds)
    median = {a: sorted(v)[len(v) // 2] for a, v in by_assignment.items()}

    def expected(t: GradeTask) -> float:
        return last.get((t.assignment, t.student), median.get(t.assignment, 0.0))

    return sorted(tasks, key=expected, reverse=True)


class Scheduler:
    """Hands out submissions longest expected first, learning the expectations as the run goes.

    A submission's expected time is what its last grading took (journal); else its assignment's
    estimate: the median of what this run has graded of it so far, else of the journal, else
    unknown. Unknown comes first (one submission of each new assignment measures it early), then
    the longest expected. So even a first run, with no journal, drains its heaviest assignment
    first and ends on short submissions instead of leaving one worker alone on a long one.
    """

    def __init__(self, tasks: Sequence[GradeTask], entries: Iterable[dict[str, Any]]) -> None:
        entries = list(entries)
        self._last: dict[tuple[str, str], float] = {}
        for e in entries:
            if isinstance(e.get("seconds"), (int, float)):
                self._last[(e.get("assignment"), e.get("student"))] = float(e["seconds"])
        self._history: dict[str, list[float]] = {}
        for (assignment, _), seconds in self._last.items():
            self._history.setdefault(assignment, []).append(seconds)
        self._seen: dict[str, list[float]] = {}
        # per assignment: its own-history tasks longest first, then the rest in the given order
        self._queues: dict[str, list[GradeTask]] = {}
        for t in longest_first(tasks, entries):
            self._queues.setdefault(t.assignment, []).append(t)
        for queue in self._queues.values():
            queue.reverse()  # pop() from the end

    def __len__(self) -> int:
        return sum(len(q) for q in self._queues.values())

    def _estimate(self, assignment: str) -> float:
        seconds = self._seen.get(assignment) or self._history.get(assignment)
        return sorted(seconds)[len(seconds) // 2] if seconds else float("inf")

    def _expected(self, task: GradeTask) -> float:
        return self._last.get((task.assignment, task.student), self._estimate(task.assignment))

    def next(self) -> GradeTask | None:
        """The next submission to grade, or ``None`` when all are handed out."""
        heads = [(self._expected(q[-1]), -i, a) for i, (a, q) in enumerate(self._queues.items()) if q]
        if not heads:
            return None
        _, _, assignment = max(heads)  # ties: the assignment given first
        return self._queues[assignment].pop()

    def done(self, result: GradeResult) -> None:
        """Learn from a finished grading (failed ones too: they took the time they took)."""
        self._seen.setdefault(result.task.assignment, []).append(result.seconds)


def _graded_digests(entries: Iterable[dict[str, Any]]) -> dict[tuple[str, str], tuple[str, dict[str, str]]]:
    """(assignment, student) -> (digest of the submission, course hashes it was graded under) of
    its latest grading, if that succeeded. A line journaled before course hashes were kept has
    none: every part counts as changed."""
    done: dict[tuple[str, str], tuple[str, dict[str, str]]] = {}
    for entry in entries:
        key = (entry.get("assignment"), entry.get("student"))
        if entry.get("success"):
            course = entry.get("course")
            done[key] = (entry.get("digest"), dict(course) if isinstance(course, dict) else {})
        else:
            done.pop(key, None)  # the latest grading of it failed
    return done


def _changed_parts(task: GradeTask, graded_under: dict[str, str]) -> list[str]:
    """Which of ``COURSE_PARTS`` differ between the task's course hashes and a journal line's."""
    now = dict(task.course)
    return [part for part in COURSE_PARTS if graded_under.get(part) is None or graded_under.get(part) != now.get(part)]


def _journal(course_root: Path, result: GradeResult) -> None:
    path = course_root / JOURNAL
    path.parent.mkdir(exist_ok=True)
    entry = {"assignment": result.task.assignment, "student": result.task.student, "digest": result.task.digest,
             "course": dict(result.task.course),
             "success": result.success, "seconds": round(result.seconds, 3), "problem": result.problem,
             "feedback": result.feedback, "feedback_problem": result.feedback_problem,
             "finished": time.strftime("%Y-%m-%dT%H:%M:%S")}
    with open(path, "a") as f:
        f.write(json.dumps(entry) + "\n")
        f.flush()
        os.fsync(f.fileno())


# worker process state
_API: Any = None
_FORK_SERVER: ForkServer | None = None


def slotted(execute: type, slots: Any) -> type:
    """A subclass of the ``Execute`` preprocessor ``execute`` that holds one of ``slots`` (a
    semaphore) from before its kernel starts until after it is shut down, restarts included.
    Same name, so nbgrader's config sections for ``execute`` and its bases still apply."""

    def preprocess(self: Any, nb: Any, resources: Any, *args: Any, **kwargs: Any) -> Any:
        with slots:
            return super(cls, self).preprocess(nb, resources, *args, **kwargs)

    cls = type(execute.__name__, (execute,), {"preprocess": preprocess, "__module__": execute.__module__,
                                              "__doc__": execute.__doc__})
    return cls


def _with_slots(config: Any, slots: Any) -> list[type]:
    """The configured autograde preprocessors (nbgrader's defaults if unset), each ``Execute`` slotted."""
    from nbconvert.preprocessors import ExecutePreprocessor
    from nbgrader.converters import Autograde
    from traitlets.utils.importstring import import_item

    configured = config.Autograde.get("autograde_preprocessors")
    classes = [import_item(p) if isinstance(p, str) else p
               for p in (configured if isinstance(configured, list) else Autograde.autograde_preprocessors.default())]
    executes = [p for p in classes if issubclass(p, ExecutePreprocessor)]
    if len(executes) != 1:
        raise RuntimeError(f"expected one Execute preprocessor in Autograde.autograde_preprocessors, found {executes}")
    return [slotted(p, slots) if p is executes[0] else p for p in classes]


def _share_engines() -> None:
    """One SQLAlchemy engine per gradebook URL in this worker, instead of one per ``Gradebook``.

    nbgrader opens a ``Gradebook`` nine times per submission, and each creates an engine: a new
    dialect set-up and an empty SQL compilation cache, so every query is compiled again (about
    0.1 s per submission). ``Gradebook.close`` still disposes of the engine's connections; the
    engine, and its compiled queries, are reused by the next ``Gradebook``.
    """
    import nbgrader.api as api

    create = api.create_engine
    if getattr(create, "calc4ml_shared", False):
        return
    engines: dict[tuple[str, tuple[tuple[str, Any], ...]], Any] = {}

    def shared(url: Any, **kw: Any) -> Any:
        key = (str(url), tuple(sorted(kw.items())))
        if key not in engines:
            engines[key] = create(url, **kw)
        return engines[key]

    shared.calc4ml_shared = True  # type: ignore[attr-defined]
    api.create_engine = shared


class _CompiledSchemas:
    """``jsonschema`` as nbgrader's metadata validation calls it, with each schema checked once.

    ``jsonschema.validate(instance, schema)`` checks the schema itself against its metaschema at
    every call: nbgrader calls it for every cell, twice per submission (0.13 s of a w1 grading).
    This keeps one validator per schema and raises the same error ``jsonschema.validate`` would
    (the ``best_match`` of the instance's errors).
    """

    def __init__(self) -> None:
        import jsonschema

        self._jsonschema = jsonschema
        self._validators: dict[int, tuple[Any, Any]] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._jsonschema, name)

    def validate(self, instance: Any, schema: Any, *args: Any, **kwargs: Any) -> None:
        if args or kwargs:
            return self._jsonschema.validate(instance, schema, *args, **kwargs)
        entry = self._validators.get(id(schema))
        if entry is None or entry[0] is not schema:
            cls = self._jsonschema.validators.validator_for(schema)
            cls.check_schema(schema)
            entry = self._validators[id(schema)] = (schema, cls(schema))
        error = self._jsonschema.exceptions.best_match(entry[1].iter_errors(instance))
        if error is not None:
            raise error
        return None


def _compile_schemas() -> None:
    import nbgrader.nbgraderformat.common as common

    if not isinstance(common.jsonschema, _CompiledSchemas):
        common.jsonschema = _CompiledSchemas()  # type: ignore[assignment]


def _worker_init(course_root: str, use_fork_server: bool, slots: Any = None) -> None:
    global _API, _FORK_SERVER
    import atexit

    from graders.run.course import nbgrader_api

    fork_server = use_fork_server and os.environ.get("CALC4ML_UNSAFE_NO_SANDBOX") != "1"

    def adjust(config: Any) -> None:
        url = config.CourseDirectory.db_url
        if url.startswith("sqlite:") and "timeout=" not in url:
            config.CourseDirectory.db_url = url + ("&" if "?" in url else "?") + f"timeout={DB_BUSY_TIMEOUT}"
        if fork_server:
            config.Execute.kernel_manager_class = "graders.run.fastgrade.ForkServerKernelManager"
            # every cell has run when the kernel is shut down: no need to wait for it to exit politely
            config.Execute.shutdown_kernel = "immediate"
        if slots is not None:
            config.Autograde.autograde_preprocessors = _with_slots(config, slots)
    _share_engines()
    _compile_schemas()
    _API = nbgrader_api(Path(course_root), adjust)
    if fork_server:
        _FORK_SERVER = ForkServer()
        ForkServerKernelManager.fork_server = _FORK_SERVER
        atexit.register(_FORK_SERVER.close)
        _FORK_SERVER.start()  # warm before the first submission arrives


def _feedback_one(task: GradeTask) -> str:
    """Write the feedback HTML of a graded submission (nbgrader's ``generate_feedback``); '' or the problem."""
    problem = ""
    for _ in range(LOCK_RETRIES):
        try:
            result = _API.generate_feedback(task.assignment, task.student, force=True)
        except Exception as exc:  # noqa: BLE001 - feedback never costs the grade already saved
            return f"{type(exc).__name__}: {exc}"[:300]
        if result.get("success"):
            return ""
        problem = api_problem(result)
        if "database is locked" not in ((result.get("error") or "") + (result.get("log") or "")):
            break
    return problem or "generate_feedback failed"


def _grade_one(task: GradeTask, feedback: bool = False) -> GradeResult:
    start = time.monotonic()
    problem = ""
    for _ in range(LOCK_RETRIES):
        if _FORK_SERVER is not None:
            _FORK_SERVER.new_submission()
        result = _API.autograde(task.assignment, task.student, force=True, create=True)
        if result.get("success"):
            # graded and saved: from here on nothing can lose the grade, only the feedback
            feedback_problem = _feedback_one(task) if feedback else ""
            return GradeResult(task, True, time.monotonic() - start,
                               feedback=feedback and not feedback_problem, feedback_problem=feedback_problem)
        problem = api_problem(result)
        if "database is locked" not in (result.get("error", "") + result.get("log", "")):
            break
    return GradeResult(task, False, time.monotonic() - start, problem)


def grade_class(
    course_root: Path,
    assignments: Sequence[str],
    *,
    students: Sequence[str] | None = None,
    jobs: int | None = None,
    resume: bool = False,
    use_fork_server: bool = True,
    on_start: Callable[[int], None] | None = None,
    on_result: Callable[[GradeResult], None] | None = None,
    feedback: bool = False,
    executor: Any = None,
) -> GradeSummary:
    """Autograde every submission of ``assignments`` with at most ``jobs`` kernels at once (default:
    one per core), on ``jobs + EXTRA_WORKERS`` worker processes; with ``feedback``, the worker that
    graded a submission writes its feedback HTML too. ``on_start`` is told how many submissions are
    to be graded, ``on_result`` each one's result as it comes (the CLI's progress bar).
    ``executor``: grade through it instead of the local pool, journaled and resumable the same
    way: an open :class:`graders.run.farm.FarmExecutor` (a Dask farm, whose workers have their own
    ``jobs`` and fork servers), or anything with its ``jobs``, ``threads``, ``capacity()`` (the
    tasks it runs at once now) and ``submit(fn, task, feedback) -> Future[GradeResult]``; the
    caller closes it.

    ``resume``: skip a submission whose latest grading succeeded with the same submitted files and
    the same ``course_hashes``; one graded under other hashes (or journaled without them) is graded
    again and counted in ``summary.stale``."""
    course_root = Path(course_root).resolve()
    tasks = find_submissions(course_root, assignments, students)
    summary = GradeSummary(jobs=jobs or os.cpu_count() or 1)
    journal = journal_entries(course_root)
    if resume:
        done = _graded_digests(journal)
        todo = []
        stale_parts: set[str] = set()
        for t in tasks:
            graded = course_root / "autograded" / t.student / t.assignment
            digest, graded_under = done.get((t.assignment, t.student), (None, {}))
            if digest == t.digest and graded.is_dir():
                changed = _changed_parts(t, graded_under)
                if not changed:
                    summary.skipped.append(t)
                    continue
                summary.stale.append(t)  # the same submission, graded under a check, reference... since changed
                stale_parts.update(changed)
            todo.append(t)
        summary.stale_parts = [part for part in COURSE_PARTS if part in stale_parts]
        tasks = todo
    scheduler = Scheduler(tasks, journal)  # a regrade knows what took long; a first run learns it
    start = time.monotonic()
    if tasks:
        _ensure_gradebook(course_root, {t.student for t in tasks})
        if on_start:
            on_start(len(tasks))
        if executor is not None:  # a farm (graders.run.farm): Dask workers set up by its plugin; same loop below
            pool_cm: Any = contextlib.nullcontext(executor)
            summary.jobs, workers = executor.jobs, executor.threads
            summary.workers = workers
        else:
            ctx = mp.get_context("spawn")
            workers = summary.workers = min(summary.jobs + EXTRA_WORKERS, len(tasks))
            slots = ctx.BoundedSemaphore(summary.jobs)
            pool_cm = cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_worker_init,
                                             initargs=(str(course_root), use_fork_server, slots))
        with pool_cm as pool:
            running: dict[cf.Future[GradeResult], GradeTask] = {}

            def feed() -> None:
                # one queued beyond the workers, so a worker that finishes never waits for us
                # a farm's size is read again as it grows or shrinks; the local pool's is fixed
                room = executor.capacity() if executor is not None else workers
                while len(running) < room + 1 and (task := scheduler.next()) is not None:
                    try:
                        fut = pool.submit(_grade_one, task, feedback)
                    except Exception as exc:  # noqa: BLE001 - a broken pool: the submission fails below
                        fut = cf.Future()
                        fut.set_exception(exc)
                    running[fut] = task

            feed()
            while running:
                finished, _ = cf.wait(running, return_when=cf.FIRST_COMPLETED)
                for fut in finished:
                    task = running.pop(fut)
                    try:
                        result = fut.result()
                    except Exception as exc:  # noqa: BLE001 - a broken worker fails its submission, not the run
                        result = GradeResult(task, False, 0.0, f"grading worker failed: {type(exc).__name__}: {exc}")
                    scheduler.done(result)
                    _journal(course_root, result)
                    summary.results.append(result)
                    if on_result:
                        on_result(result)
                feed()
    summary.seconds = time.monotonic() - start
    return summary


def _ensure_gradebook(course_root: Path, students: Iterable[str] = ()) -> None:
    """Create the gradebook's tables, and the students' rows, once, before workers race to do it
    (two workers creating one student at once: one of them fails on PostgreSQL)."""
    from nbgrader.api import Gradebook

    from graders.run.course import course_settings

    settings = course_settings(course_root)
    url, course_id = settings.db_url, settings.course_id
    with Gradebook(url, course_id) as gb:
        for student in sorted(students):
            gb.update_or_create_student(student)
