"""``calc4ml serve``: grade each submission as it arrives, and give the student its feedback.

One long-running process (started by the instructor, or as a JupyterHub service) watches
nbgrader's exchange inbound folder (``<exchange>/<course_id>/inbound``, where ``nbgrader
submit`` and the Assignments tab's "Submit" put ``student+assignment+timestamp+random``
folders). For each new submission a grading worker

1. collects it: copies that very folder into ``submitted/<student>/<assignment>/`` as ``nbgrader
   collect`` does (same ignore patterns and size limits), replacing the previous one atomically;
2. grades it with ``calc4ml grade``'s pipeline (:func:`graders.run.fastgrade._grade_one` in a
   worker made by :func:`graders.run.fastgrade._worker_init`: nbgrader's ``autograde`` through
   its API, the sandbox, the fork server, the trusted verdicts, the same gradebook rows), then
   writes its feedback (``generate_feedback``);
3. releases that student's feedback to the exchange (``release_feedback``), where the
   Assignments tab's "Fetch feedback" finds it.

The server itself only keeps the queue, the journal and the status file; everything a
submission costs happens in the workers. The grading engine is behind one call,
:meth:`GradingPool.submit` (``task -> Future``): the seam where another engine (Dask) plugs in.

**Journal** (``.calc4ml/serve/journal.jsonl``, fsynced line by line, written by the server only):
``seen`` when a complete submission is first noticed, ``started`` when a worker is given it,
``done`` (graded or failed, with its latency) when the worker returns, ``superseded`` when a newer
submission of the same student and assignment arrives while it still waits. On start the journal
is replayed and the inbound folder scanned again: what was seen but is not done is queued again
(whatever the moment of a ``kill -9``), what arrived while the server was down is seen now, what
is done is never graded again. Grading is idempotent (``autograde --force``), so a submission cut
by a kill is simply graded again.

**Faults never block the queue.** A submission whose grading takes longer than ``timeout`` seconds
has its worker killed; one whose worker dies while grading it (twice: the first time it may be a
neighbour's fault) fails; a malformed one fails in nbgrader. Each failure is a ``FAILED`` log line
for the instructor, is listed by ``calc4ml serve --status``, and becomes the student's feedback
page ("not graded: why; submit again"), released like any feedback.

**Hidden-check policy** (``c.ServePolicy.hold_hidden_until_due`` in ``nbgrader_config.py``):
by default a student sees everything at once, as on Coursera: the verdict messages of the hidden
checks never reveal expected values. For an assignment listed there, before its due date the
student's released page only says the submission was received and graded and when the results
come; the full feedback (written in ``feedback/`` for the instructor all along) is released by the
server once the due date has passed.
"""

from __future__ import annotations

import concurrent.futures as cf
import ctypes
import html
import json
import logging
import multiprocessing as mp
import os
import shutil
import signal
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from traitlets import List
from traitlets.config import Configurable

from graders.run import fastgrade
from graders.run.course import api_problem
from graders.run.fastgrade import EXTRA_WORKERS, GradeResult, GradeTask, read_journal

__all__ = [
    "Server", "GradingPool", "FarmGradingPool", "ServePolicy", "Submission", "SERVE_DIR", "JOURNAL", "STATUS", "read_status",
    "status_text", "parse_inbound_name", "replay",
]

log = logging.getLogger("calc4ml.serve")

SERVE_DIR = Path(".calc4ml") / "serve"
JOURNAL = SERVE_DIR / "journal.jsonl"
STATUS = SERVE_DIR / "status.json"
#: Seconds a submission may take in its worker (collect, grade, feedback, release) before the
#: worker is killed and the submission reported as not graded. Cells have their own CPU budgets
#: and a 300 s wall backstop each (nbgrader_config.py); this bounds the whole notebook.
DEFAULT_TIMEOUT = 900.0
#: Times a submission may be in a worker that died before it is judged the cause.
MAX_WORKER_DEATHS = 2
#: Seconds between two scans of the inbound folder.
POLL = 0.25
#: Most submissions in flight on a farm (a thread of the server each, waiting for its task).
FARM_THREADS = 1024
#: A submission folder without nbgrader's last file (``submission_secret.txt``) is still being
#: copied; one older than this is taken as it is (an nbgrader without secrets).
INCOMPLETE_GRACE = 30.0


class ServePolicy(Configurable):
    """``c.ServePolicy.hold_hidden_until_due = ["w3_two_layer_network"]``: assignments whose
    hidden-check results (and score) reach the student only after the due date. Default: none,
    everything is shown as soon as it is graded."""

    hold_hidden_until_due = List(
        [], help="Assignments whose graded feedback is released only once their due date has passed."
    ).tag(config=True)


# --------------------------------------------------------------------------------------------
# submissions and the journal


@dataclass
class Submission:
    name: str  # the inbound folder: student+assignment+timestamp[+random]
    student: str
    assignment: str
    timestamp: str  # nbgrader's, as in the folder name
    submitted: float  # the timestamp as epoch seconds (the clock of the submitting machine)
    seen: float = 0.0  # when the server first saw it complete (epoch)
    state: str = "queued"  # queued, running, done, failed, superseded
    started: float = 0.0
    worker_pid: int | None = None
    picked: float = 0.0  # when a worker took it (the timeout counts from here)
    worker_deaths: int = 0
    problem: str = ""
    score: float | None = None
    max_score: float | None = None
    latency: float | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.student, self.assignment)

    def payload(self) -> dict[str, str]:
        """What a grading worker or thread needs of it (:func:`_serve_one`)."""
        return {"name": self.name, "student": self.student, "assignment": self.assignment, "timestamp": self.timestamp}

    def brief(self, now: float) -> dict[str, Any]:
        out = {"name": self.name, "student": self.student, "assignment": self.assignment,
               "submitted": self.timestamp, "state": self.state}
        if self.state == "queued":
            out["waiting_s"] = round(now - self.submitted, 1)
        if self.state == "running":
            out["running_s"] = round(now - self.started, 1)
            out["worker_pid"] = self.worker_pid
        if self.state in ("done", "failed"):
            out["latency_s"] = None if self.latency is None else round(self.latency, 2)
        if self.score is not None:
            out["score"], out["max_score"] = self.score, self.max_score
        if self.problem:
            out["problem"] = self.problem
        return out


def parse_inbound_name(name: str) -> tuple[str, str, str] | None:
    """``(student, assignment, timestamp)`` of an inbound folder name (nbgrader's collect splits
    it the same way: ``rsplit('+', 3)``, so a user name may hold a ``+``); None if it is not one."""
    parts = name.rsplit("+", 3)
    if len(parts) == 4:
        student, assignment, timestamp, _ = parts
    else:
        parts = name.rsplit("+", 2)
        if len(parts) != 3:
            return None
        student, assignment, timestamp = parts
    if not student or not assignment or not timestamp:
        return None
    return student, assignment, timestamp


def _epoch(timestamp: str) -> float:
    from nbgrader.utils import parse_utc

    return parse_utc(timestamp).replace(tzinfo=timezone.utc).timestamp()


def replay(entries: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """name -> the last state the journal holds for it (``seen``, ``started``, ``done``,
    ``superseded``) with the fields of its ``seen`` line; lines cut by a kill are skipped."""
    state: dict[str, dict[str, Any]] = {}
    for e in entries:
        name = e.get("name")
        if not isinstance(name, str):
            continue
        if e.get("event") == "seen":
            state.setdefault(name, {}).update(e)
        elif name in state and e.get("event") in ("started", "done", "superseded"):
            state[name]["event"] = e["event"]
            state[name].update({k: v for k, v in e.items() if k not in ("event", "name", "at")})
    return state




# --------------------------------------------------------------------------------------------
# what runs in a grading worker


_PIDS: Any = None  # the server's queue of (submission name, worker pid)


def _set_parent_death_signal() -> None:
    """A worker dies with the server (``kill -9`` included): no orphan goes on grading beside
    the restarted server. Its fork server's sandbox dies with it (bwrap ``--die-with-parent``)."""
    libc = ctypes.CDLL(None, use_errno=True)
    parent = os.getppid()
    libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the server died before the signal was set
        os._exit(1)


def _serve_worker_init(course_root: str, use_fork_server: bool, slots: Any, pids: Any) -> None:
    global _PIDS
    _set_parent_death_signal()
    _PIDS = pids
    fastgrade._worker_init(course_root, use_fork_server, slots)


def _collect(src: Path, dest: Path, coursedir: Any) -> None:
    """Copy the inbound folder ``src`` to ``dest`` as nbgrader's collect does (its ignore patterns
    and size limits from ``coursedir``), replacing what is there in one rename."""
    from nbgrader.utils import ignore_patterns

    size = sum(p.stat().st_size for p in src.rglob("*") if p.is_file())
    if coursedir.max_dir_size and size > 1000 * coursedir.max_dir_size:
        raise RuntimeError(f"the submission is {size / 1e6:.0f} MB, over the course's "
                           f"{coursedir.max_dir_size / 1000:.0f} MB")
    tmp = dest.parent / f".{dest.name}.collecting"
    old = dest.parent / f".{dest.name}.old"
    for leftover in (tmp, old):
        shutil.rmtree(leftover, ignore_errors=True)
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(src, tmp, ignore=ignore_patterns(exclude=coursedir.ignore, include=coursedir.include,
                                                   max_file_size=coursedir.max_file_size, log=log))
    if dest.exists():
        dest.rename(old)
    tmp.rename(dest)
    shutil.rmtree(old, ignore_errors=True)


def _notice_page(title: str, lines: list[str]) -> str:
    body = "\n".join(f"<p>{html.escape(line)}</p>" for line in lines)
    return (f"<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>{html.escape(title)}</title></head>\n"
            f"<body style='font-family: sans-serif; max-width: 50em; margin: 2em auto'>\n"
            f"<h2>{html.escape(title)}</h2>\n{body}\n</body></html>\n")


def write_notice(course_root: Path, student: str, assignment: str, source: Path, title: str,
                 lines: list[str]) -> list[Path]:
    """Write ``lines`` as the feedback page of every notebook of ``release/<assignment>/`` for
    ``student`` (with the submission's ``timestamp.txt`` and ``submission_secret.txt`` from
    ``source``, which ``release_feedback`` needs to address it to that submission only)."""
    release = course_root / "release" / assignment
    notebooks = sorted(p.relative_to(release).with_suffix(".html") for p in release.glob("*.ipynb"))
    folder = course_root / "feedback" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("timestamp.txt", "submission_secret.txt"):
        if (source / name).exists():
            shutil.copy(source / name, folder / name)
    written = []
    for rel in notebooks:
        (folder / rel).write_text(_notice_page(title, lines))
        written.append(folder / rel)
    return written


def _unreadable(root: Path, assignment: str, folder: Path) -> str:
    """What makes a submitted notebook unreadable, in the student's terms ('' if they all read)."""
    import nbformat

    for path in sorted((root / "release" / assignment).glob("*.ipynb")):
        mine = folder / path.name
        if not mine.exists():
            return f"{path.name} is missing from the submission"
        try:
            nbformat.read(mine, as_version=4)
        except Exception as exc:  # noqa: BLE001 - invalid JSON, not a notebook, a wrong schema
            first = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
            return f"{path.name} is not a notebook that can be read ({first})"
    return ""


#: One nbgrader exchange call at a time in a process (``calc4ml serve --scheduler`` releases from
#: several threads; nbgrader's apps are not written for that).
_EXCHANGE_LOCK = threading.Lock()


def _release(api: Any, assignment: str, student: str) -> str:
    """``release_feedback`` of one student's assignment; '' or the problem."""
    try:
        with _EXCHANGE_LOCK:
            result = api.release_feedback(assignment, student_id=student)
    except Exception as exc:  # noqa: BLE001
        return f"{type(exc).__name__}: {exc}"[:300]
    return "" if result.get("success") else api_problem(result)


@dataclass
class Outcome:
    """What a worker did with one submission."""
    name: str
    result: GradeResult | None
    problem: str = ""  # why it is not graded ('' when graded)
    released: float | None = None  # epoch when its feedback reached the exchange
    release_problem: str = ""
    score: float | None = None
    max_score: float | None = None


def _score(coursedir: Any, assignment: str, student: str) -> tuple[float | None, float | None]:
    from nbgrader.api import Gradebook, MissingEntry

    try:
        with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
            sub = gb.find_submission(assignment, student)
            return float(sub.score), float(sub.max_score)
    except (MissingEntry, Exception):  # noqa: BLE001 - the score is only for the log line
        return None, None


Grade = Callable[[GradeTask, bool], GradeResult]


def _serve_one(sub: dict[str, Any], inbound: str, course: tuple[tuple[str, str], ...], hold_until: str | None,
               api: Any = None, grade: Grade | None = None) -> Outcome:
    """Collect one inbound submission, grade it, write and release its feedback.

    In a grading worker (the defaults): nbgrader's API of the worker and its own grading. On a
    farm, in a thread of the server: the server's API, and ``grade`` sends the task to Dask."""
    if _PIDS is not None:
        _PIDS.put((sub["name"], os.getpid()))
    api = api or fastgrade._API
    grade = grade or fastgrade._grade_one
    root = Path(api.coursedir.root)
    student, assignment = sub["student"], sub["assignment"]
    src = Path(inbound) / sub["name"]
    dest = root / "submitted" / student / assignment
    try:
        _collect(src, dest, api.coursedir)
    except Exception as exc:  # noqa: BLE001 - a submission that cannot be collected is not graded
        problem = f"could not be collected: {exc}"[:300]
        write_notice(root, student, assignment, src, f"{assignment}: not graded",
                     [f"Your submission of {sub['timestamp']} could not be graded: {problem}.",
                      "Submit again; if it happens again, tell your instructor."])
        why = _release(api, assignment, student)
        return Outcome(sub["name"], None, problem, None if why else time.time(), why)
    task = GradeTask(assignment, student, fastgrade._digest(dest), course)
    result = grade(task, hold_until is None)
    score = max_score = None
    if not result.success:
        write_notice(root, student, assignment, dest, f"{assignment}: not graded",
                     [f"Your submission of {sub['timestamp']} could not be graded: "
                      f"{_unreadable(root, assignment, dest) or result.problem.replace(str(root), '')}",
                      "Nothing was recorded for it. Check that the notebook opens and runs, then submit again."])
    else:
        score, max_score = _score(api.coursedir, assignment, student)
        if hold_until is not None:
            write_notice(root, student, assignment, dest, f"{assignment}: received and graded",
                         [f"Your submission of {sub['timestamp']} was received and graded.",
                          f"Its results are released after the due date, {hold_until}. Until then, run the "
                          "visible tests in your notebook (Validate) to check your work; you may submit again."])
        elif not result.feedback:
            write_notice(root, student, assignment, dest, f"{assignment}: graded, feedback not written",
                         [f"Your submission of {sub['timestamp']} was graded, but its feedback page could not be "
                          f"written ({result.feedback_problem}). Your instructor has been told."])
    why = _release(api, assignment, student)
    return Outcome(sub["name"], result, "" if result.success else result.problem, None if why else time.time(), why,
                   score, max_score)


def _release_all(assignment: str, api: Any = None) -> str:
    """Generate every student's full feedback of ``assignment`` and release it (in a worker, or
    with the server's ``api`` on a farm)."""
    api = api or fastgrade._API
    result = api.generate_feedback(assignment, force=True)
    if not result.get("success"):
        return api_problem(result)
    with _EXCHANGE_LOCK:
        result = api.release_feedback(assignment)
    return "" if result.get("success") else api_problem(result)


# --------------------------------------------------------------------------------------------
# the grading engine


class GradingPool:
    """``calc4ml grade``'s workers, kept alive between submissions: at most ``jobs`` kernels at once
    on ``jobs + EXTRA_WORKERS`` processes, each warmed once (nbgrader's API on the course's
    configuration, its fork server started). :meth:`submit` is the one call the server makes."""

    def __init__(self, course_root: Path, jobs: int, use_fork_server: bool = True) -> None:
        self.course_root, self.jobs, self.use_fork_server = course_root, jobs, use_fork_server
        self.workers = jobs + EXTRA_WORKERS
        self._ctx = mp.get_context("spawn")
        self._start()

    def _start(self) -> None:
        self.pids = self._ctx.Queue()  # a new one: a killed worker may have held the old one's lock
        slots = self._ctx.BoundedSemaphore(self.jobs)
        self.pool = cf.ProcessPoolExecutor(
            max_workers=self.workers, mp_context=self._ctx, initializer=_serve_worker_init,
            initargs=(str(self.course_root), self.use_fork_server, slots, self.pids))
        #: pids of the workers that died first when the pool broke (the pool then terminates the
        #: others): a thread waits on the workers' sentinels, as the pool's own manager thread does
        self.dead_at_break: set[int] | None = None
        # start every worker now (they warm up while the server waits for submissions)
        for _ in range(self.workers):
            self.pool.submit(os.getpid)
        threading.Thread(target=self._watch, args=(self.processes(),), daemon=True).start()

    def _watch(self, procs: list[Any]) -> None:
        from multiprocessing.connection import wait

        sentinels = {p.sentinel: p.pid for p in procs}
        try:
            ready = wait(list(sentinels))
        except (OSError, ValueError):
            return
        self.dead_at_break = {sentinels[r] for r in ready}

    def submit(self, sub: Submission, inbound: Path, course: tuple[tuple[str, str], ...],
               hold_until: str | None) -> cf.Future[Outcome]:
        """Grade one submission: collect, grade, feedback, release. The seam of the engine."""
        return self.pool.submit(_serve_one, sub.payload(), str(inbound), course, hold_until)

    def release_all(self, assignment: str) -> cf.Future[str]:
        return self.pool.submit(_release_all, assignment)

    def processes(self) -> list[Any]:
        return list((getattr(self.pool, "_processes", None) or {}).values())

    def restart(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
        self._start()

    def close(self) -> None:
        procs = self.processes()  # before shutdown, which forgets them
        for p in procs:
            try:
                p.kill()
            except Exception:  # noqa: BLE001
                pass
        for p in procs:
            p.join(timeout=10)
        self.pool.shutdown(wait=True, cancel_futures=True)


class FarmGradingPool:
    """:class:`GradingPool`'s calls on a Dask farm (``calc4ml serve --scheduler``).

    The server's threads collect each submission and send it to the farm
    (:class:`graders.run.farm.FarmExecutor`: a worker grades it in its own course copy and writes
    the gradebook rows); the server writes what comes back into ``autograded/`` and ``feedback/``,
    reads the score and releases the feedback to the exchange, which only it can reach. A worker
    that dies is Dask's to handle (the task runs elsewhere; after ``allowed-failures`` the
    submission fails, named), so no pid reaches the server and its per-submission ``timeout`` does
    not apply: the cells' CPU budgets and wall backstop bound a submission on the farm."""

    def __init__(self, course_root: Path, scheduler: str) -> None:
        import queue

        from graders.run.course import nbgrader_api
        from graders.run.farm import FarmExecutor

        self.farm = FarmExecutor(course_root, scheduler)
        self.jobs = self.farm.jobs
        self.api = nbgrader_api(course_root)
        self.pids: Any = queue.Queue()  # stays empty: no grading process of the farm is the server's child
        self.dead_at_break: set[int] | None = set()
        self._closing = threading.Event()
        # a thread per submission in flight (the server keeps workers + 1), made as needed up to this
        self._threads = cf.ThreadPoolExecutor(FARM_THREADS, thread_name_prefix="calc4ml-farm")

    @property
    def workers(self) -> int:
        """The farm's task threads now (it may grow or shrink while the server runs)."""
        return min(self.farm.capacity(), FARM_THREADS - 1)

    def _grade(self, task: GradeTask, feedback: bool) -> GradeResult:
        future = self.farm.submit(None, task, feedback)
        while True:
            try:
                result = future.result(timeout=1.0)
                break
            except cf.TimeoutError:
                if self._closing.is_set():
                    raise RuntimeError(f"calc4ml serve stopped while {task.student} / {task.assignment} was graded")
        if self._closing.is_set() and not result.success:
            # the server is stopping and cut this task: no "not graded" page; graded after the restart
            raise RuntimeError(f"calc4ml serve stopped while {task.student} / {task.assignment} was graded")
        return result

    def submit(self, sub: Submission, inbound: Path, course: tuple[tuple[str, str], ...],
               hold_until: str | None) -> cf.Future[Outcome]:
        return self._threads.submit(_serve_one, sub.payload(), str(inbound), course, hold_until, self.api, self._grade)

    def release_all(self, assignment: str) -> cf.Future[str]:
        return self._threads.submit(_release_all, assignment, self.api)

    def restart(self) -> None:  # a farm worker's death never breaks this pool
        pass

    def close(self) -> None:
        self._closing.set()
        self.farm.close()  # the tasks still on the farm are cancelled; their threads end at once
        self._threads.shutdown(wait=True, cancel_futures=True)


def kill_tree(pid: int) -> None:
    """SIGKILL a worker and everything it started (its fork server's sandbox, kernels)."""
    import psutil

    try:
        proc = psutil.Process(pid)
        procs = proc.children(recursive=True) + [proc]
    except psutil.NoSuchProcess:
        return
    for p in procs:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass


# --------------------------------------------------------------------------------------------
# the server


@dataclass
class Server:
    course_root: Path
    inbound: Path
    assignments: list[str]
    jobs: int = 0
    use_fork_server: bool = True
    timeout: float = DEFAULT_TIMEOUT
    hold: dict[str, datetime] = field(default_factory=dict)  # assignment -> due date (naive UTC) if held
    on_log: Callable[[str], None] | None = None
    scheduler: str | None = None  # a Dask scheduler: grade on the farm behind it (FarmGradingPool)

    def __post_init__(self) -> None:
        self.course_root = Path(self.course_root).resolve()
        self.jobs = self.jobs or os.cpu_count() or 1
        self.subs: dict[str, Submission] = {}
        self.running: dict[cf.Future[Any], Submission] = {}
        self.journal_path = self.course_root / JOURNAL
        self.status_path = self.course_root / STATUS
        self.journal_path.parent.mkdir(parents=True, exist_ok=True)
        self._stop = threading.Event()
        self._pids: dict[str, int] = {}
        self._killed: dict[str, str] = {}  # name -> why the server killed its worker
        self._course: dict[str, tuple[tuple[str, str], ...]] = {}
        self._released_full: set[str] = set()
        self._status_dirty = True
        self.started = time.time()

    # --- journal
    def _journal(self, event: str, sub: Submission, **extra: Any) -> None:
        entry = {"event": event, "name": sub.name, "at": round(time.time(), 3)}
        if event == "seen":
            entry.update(student=sub.student, assignment=sub.assignment, timestamp=sub.timestamp,
                         submitted=sub.submitted, seen=sub.seen)
        entry.update(extra)
        with open(self.journal_path, "a") as f:
            f.write(json.dumps(entry) + "\n")
            f.flush()
            os.fsync(f.fileno())

    def _log(self, line: str) -> None:
        log.info(line)
        if self.on_log:
            self.on_log(line)

    def _recover(self) -> None:
        entries = read_journal(self.journal_path)
        for e in entries:
            if e.get("event") == "released_full":
                self._released_full.add(e.get("assignment"))
        for name, e in replay(entries).items():
            sub = Submission(name, e["student"], e["assignment"], e["timestamp"], float(e["submitted"]),
                             float(e.get("seen") or 0.0))
            last = e.get("event")
            if last == "done":
                sub.state = "done" if e.get("success") else "failed"
                sub.problem, sub.latency = e.get("problem", ""), e.get("latency")
                sub.score, sub.max_score = e.get("score"), e.get("max_score")
            elif last == "superseded":
                sub.state = "superseded"
            else:  # seen, or started when the server stopped: graded (again) now
                sub.state = "queued"
            self.subs[name] = sub
        pending = sum(s.state == "queued" for s in self.subs.values())
        if entries:
            self._log(f"journal: {len(self.subs)} submissions known, {pending} to grade (seen before the restart)")

    # --- scanning
    def scan(self) -> int:
        """Notice complete submissions not seen yet; journal them; return how many."""
        now = time.time()
        new = 0
        try:
            names = os.listdir(self.inbound)
        except FileNotFoundError:
            return 0
        for name in sorted(names):
            if name in self.subs:
                continue
            parsed = parse_inbound_name(name)
            if parsed is None or parsed[1] not in self.assignments:
                continue
            folder = self.inbound / name
            if not (folder / "submission_secret.txt").exists():
                try:
                    if now - folder.stat().st_mtime < INCOMPLETE_GRACE or not (folder / "timestamp.txt").exists():
                        continue  # nbgrader submit is still copying it
                except FileNotFoundError:
                    continue
            student, assignment, timestamp = parsed
            try:
                submitted = _epoch(timestamp)
            except Exception:  # noqa: BLE001 - not nbgrader's timestamp: arrival time instead
                submitted = now
            sub = Submission(name, student, assignment, timestamp, submitted, seen=now)
            self.subs[name] = sub
            self._journal("seen", sub)
            new += 1
        if new:
            self._supersede()
            self._status_dirty = True
        return new

    def _supersede(self) -> None:
        """Of the queued submissions of one student and assignment, only the newest is graded."""
        newest: dict[tuple[str, str], Submission] = {}
        for sub in self.subs.values():
            if sub.state == "queued":
                best = newest.get(sub.key)
                if best is None or (sub.submitted, sub.name) > (best.submitted, best.name):
                    newest[sub.key] = sub
        for sub in self.subs.values():
            if sub.state == "queued" and newest[sub.key] is not sub:
                sub.state = "superseded"
                self._journal("superseded", sub, by=newest[sub.key].name)
                self._log(f"superseded {sub.student} / {sub.assignment} submitted {sub.timestamp}: "
                          f"a newer submission ({newest[sub.key].timestamp}) replaces it")

    # --- dispatch
    def _course_hashes(self, assignment: str) -> tuple[tuple[str, str], ...]:
        if assignment not in self._course:
            self._course[assignment] = fastgrade.course_hashes(self.course_root, assignment)
        return self._course[assignment]

    def _hold_until(self, assignment: str) -> str | None:
        due = self.hold.get(assignment)
        if due is None or datetime.now(timezone.utc).replace(tzinfo=None) >= due:
            return None
        return f"{due:%Y-%m-%d %H:%M} UTC"

    def dispatch(self) -> None:
        busy = {s.key for s in self.running.values()}
        if any(s.worker_deaths for s in self.running.values()):
            return  # a suspect is being graded alone
        queued = sorted((s for s in self.subs.values() if s.state == "queued"), key=lambda s: (s.submitted, s.name))
        # a submission that killed a worker before is graded alone: then a second death is its own
        suspects = [s for s in queued if s.worker_deaths]
        for sub in queued:
            if len(self.running) >= self.pool.workers + 1:
                break
            if sub.key in busy:
                continue  # the same student's earlier submission of it is being graded
            if suspects and (sub is not suspects[0] or self.running):
                continue
            try:
                fut = self.pool.submit(sub, self.inbound, self._course_hashes(sub.assignment),
                                       self._hold_until(sub.assignment))
            except Exception as exc:  # noqa: BLE001 - a broken pool: restarted in collect()
                fut = cf.Future()
                fut.set_exception(exc)
            sub.state, sub.started, sub.worker_pid, sub.picked = "running", time.time(), None, 0.0
            self.running[fut] = sub
            busy.add(sub.key)
            self._journal("started", sub)
            self._status_dirty = True
            if suspects:
                break

    # --- results
    def _drain_pids(self) -> None:
        from queue import Empty

        while True:
            try:
                name, pid = self.pool.pids.get_nowait()
            except (Empty, OSError, EOFError, ValueError):
                return
            self._pids[name] = pid
            if name in self.subs:
                self.subs[name].worker_pid, self.subs[name].picked = pid, time.time()
                self._status_dirty = True

    def _finish(self, sub: Submission, success: bool, problem: str, released: float | None,
                score: float | None = None, max_score: float | None = None, result: GradeResult | None = None,
                release_problem: str = "") -> None:
        sub.state = "done" if success else "failed"
        sub.problem, sub.score, sub.max_score = problem, score, max_score
        end = released if released is not None else time.time()
        sub.latency = end - sub.submitted
        grading = result.seconds if result else time.time() - sub.started
        self._journal("done", sub, success=success, problem=problem, latency=round(sub.latency, 3),
                      grading=round(grading, 3), score=score, max_score=max_score,
                      released=released is not None, release_problem=release_problem)
        if result is not None:
            fastgrade._journal(self.course_root, result)  # `calc4ml grade --resume` knows it is graded
        what = (f"graded {score:g}/{max_score:g}" if success and score is not None and max_score is not None
                else "graded" if success else f"FAILED: {problem}")
        rel = "feedback released" if released is not None else f"feedback NOT released ({release_problem})"
        picked = sub.picked or sub.started
        self._log(f"{sub.student} / {sub.assignment} submitted {sub.timestamp}: {what}; {rel}; "
                  f"latency {sub.latency:.1f} s (waited {max(0.0, picked - sub.submitted):.1f} s for a worker, "
                  f"graded in {grading:.1f} s)")
        self._status_dirty = True

    def _notice(self, sub: Submission, problem: str) -> tuple[float | None, str]:
        """The student's page for a submission its worker could not finish, released from here."""
        folder = self.inbound / sub.name
        write_notice(self.course_root, sub.student, sub.assignment, folder, f"{sub.assignment}: not graded",
                     [f"Your submission of {sub.timestamp} could not be graded: {problem}.",
                      "Nothing was recorded for it. Submit again; your instructor has been told."])
        why = _release(self._api(), sub.assignment, sub.student)
        return (None if why else time.time()), why

    def _api(self) -> Any:
        if getattr(self, "_nbapi", None) is None:
            from graders.run.course import nbgrader_api

            self._nbapi = nbgrader_api(self.course_root)
        return self._nbapi

    def collect(self, timeout: float) -> None:
        if not self.running:
            self._stop.wait(timeout)
            return
        finished, _ = cf.wait(list(self.running), timeout=timeout, return_when=cf.FIRST_COMPLETED)
        self._drain_pids()
        broken = False
        for fut in finished:
            sub = self.running.pop(fut)
            try:
                out: Outcome = fut.result()
            except cf.process.BrokenProcessPool:
                broken = True
                self.running[fut] = sub  # handled below with the others the broken pool took
                continue
            except Exception as exc:  # noqa: BLE001 - an error in the worker fails the submission, not the server
                out = Outcome(sub.name, None, f"grading worker failed: {type(exc).__name__}: {exc}"[:300])
            if out.result is None and out.released is None and not out.release_problem:
                out.released, out.release_problem = self._notice(sub, out.problem)
            self._finish(sub, out.result is not None and out.result.success, out.problem, out.released,
                         out.score, out.max_score, out.result, out.release_problem)
        if broken:
            self._recover_broken_pool()
        self._enforce_timeout()

    def _recover_broken_pool(self) -> None:
        """A worker died: the pool is gone with every submission in it. The one whose worker the
        server killed (timeout) fails; one whose worker died on its own is charged a death; the
        rest are queued again as they were. Then a new pool."""
        deadline = time.monotonic() + 2  # the sentinel thread woke with the pool's manager thread
        while self.pool.dead_at_break is None and time.monotonic() < deadline:
            time.sleep(0.01)
        died = self.pool.dead_at_break or set()
        for fut, sub in list(self.running.items()):
            self.running.pop(fut)
            pid = self._pids.get(sub.name)
            if sub.name in self._killed:
                problem = self._killed.pop(sub.name)
                released, why = self._notice(sub, problem)
                self._finish(sub, False, problem, released, release_problem=why)
                continue
            if pid in died or not died:
                sub.worker_deaths += 1
            if sub.worker_deaths >= MAX_WORKER_DEATHS:
                problem = f"its grading worker died while grading it ({sub.worker_deaths} times)"
                released, why = self._notice(sub, problem)
                self._finish(sub, False, problem, released, release_problem=why)
            else:
                sub.state = "queued"
                self._log(f"{sub.student} / {sub.assignment} submitted {sub.timestamp}: its grading worker "
                          f"died{' (this submission is suspected: graded alone next)' if sub.worker_deaths else ''}; "
                          f"grading it again (its worker {pid}; died first: {sorted(died) or 'unknown'})")
        self._pids = {}
        self.pool.restart()
        self._status_dirty = True

    def _enforce_timeout(self) -> None:
        now = time.time()
        for sub in self.running.values():
            if sub.name in self._killed or not sub.picked or now - sub.picked <= self.timeout:
                continue
            pid = self._pids.get(sub.name)
            if pid is None:
                continue
            self._killed[sub.name] = f"grading took longer than {self.timeout:g} s and was stopped"
            self._log(f"{sub.student} / {sub.assignment}: over {self.timeout:g} s, killing its worker {pid}")
            kill_tree(pid)

    # --- due dates
    def release_due(self) -> None:
        """Held assignments whose due date has passed: release everyone's full feedback (once)."""
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        for assignment, due in self.hold.items():
            if assignment in self._released_full or now < due:
                continue
            if any(s.assignment == assignment and s.state in ("queued", "running") for s in self.subs.values()):
                continue  # graded after the due date: its own release is full already; wait for them
            problem = self.pool.release_all(assignment).result()
            if problem:
                self._log(f"{assignment}: the due date passed but releasing the full feedback failed: {problem}")
                self.hold.pop(assignment)
                continue
            self._released_full.add(assignment)
            with open(self.journal_path, "a") as f:
                f.write(json.dumps({"event": "released_full", "assignment": assignment, "at": time.time()}) + "\n")
                f.flush()
                os.fsync(f.fileno())
            self._log(f"{assignment}: due date passed, full feedback released to every student who submitted")

    # --- status
    def write_status(self, force: bool = False) -> None:
        if not (self._status_dirty or force):
            return
        now = time.time()
        subs = sorted(self.subs.values(), key=lambda s: (s.submitted, s.name))
        status = {
            "pid": os.getpid(), "started": self.started, "updated": now, "inbound": str(self.inbound),
            "jobs": self.jobs, "assignments": self.assignments,
            "held": {a: f"{d:%Y-%m-%d %H:%M} UTC" for a, d in self.hold.items() if a not in self._released_full},
            "counts": {state: sum(s.state == state for s in subs)
                       for state in ("queued", "running", "done", "failed", "superseded")},
            "queued": [s.brief(now) for s in subs if s.state == "queued"],
            "running": [s.brief(now) for s in subs if s.state == "running"],
            "failed": [s.brief(now) for s in subs if s.state == "failed"],
            "done": [s.brief(now) for s in subs if s.state == "done"][-50:],
        }
        tmp = self.status_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(status, indent=1))
        tmp.replace(self.status_path)
        self._status_dirty = False

    # --- main loop
    def stop(self) -> None:
        self._stop.set()

    def run(self, until: Callable[[Server], bool] | None = None) -> None:
        self._recover()
        if self.scheduler:
            self.pool = FarmGradingPool(self.course_root, self.scheduler)
            self.jobs = self.pool.jobs
            where = f"on the Dask farm at {self.scheduler} ({len(self.pool.farm.workers_status)} workers)"
        else:
            self.pool = GradingPool(self.course_root, self.jobs, self.use_fork_server)
            where = "on this machine"
        self._log(f"serving {', '.join(self.assignments)} from {self.inbound} with {self.jobs} kernels at once {where} "
                  f"(pid {os.getpid()}; status: {self.status_path})")
        last_status = 0.0
        try:
            while not self._stop.is_set():
                self.scan()
                self.dispatch()
                if self.hold:
                    self.release_due()
                now = time.time()
                if self._status_dirty or now - last_status > 5:
                    self.write_status(force=True)
                    last_status = now
                if until is not None and until(self):
                    break
                self.collect(POLL)
        finally:
            self.write_status(force=True)
            self.pool.close()


# --------------------------------------------------------------------------------------------
# calc4ml serve --status


def read_status(course_root: Path) -> dict[str, Any] | None:
    path = Path(course_root) / STATUS
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None


def status_text(course_root: Path) -> str:
    status = read_status(course_root)
    if status is None:
        return f"no status: calc4ml serve has never run in {course_root}"
    age = time.time() - status["updated"]
    alive = fastgrade.pid_alive(int(status["pid"]))
    head = (f"calc4ml serve (pid {status['pid']}) is {'running' if alive else 'NOT running'}; "
            f"status written {age:.0f} s ago")
    c = status["counts"]
    lines = [head, f"queued {c['queued']}, running {c['running']}, done {c['done']}, failed {c['failed']}, "
                   f"superseded {c['superseded']}"]
    for held, due in status.get("held", {}).items():
        lines.append(f"  {held}: hidden-check results held until {due}")
    for key in ("running", "queued", "failed", "done"):
        items = status.get(key) or []
        if not items:
            continue
        lines.append(f"{key}:")
        for s in items[-20:]:
            extra = ""
            if key == "running":
                extra = f" for {s.get('running_s')} s (worker {s.get('worker_pid')})"
            elif key == "queued":
                extra = f" waiting {s.get('waiting_s')} s"
            elif key == "done":
                extra = (f" {s.get('score'):g}/{s.get('max_score'):g}" if s.get("score") is not None else "") + \
                        f", latency {s.get('latency_s')} s"
            elif key == "failed":
                extra = f": {s.get('problem')}"
            lines.append(f"  {s['student']} / {s['assignment']} ({s['submitted']}){extra}")
    return "\n".join(lines)
