"""A grading farm: ``calc4ml grade --scheduler tcp://HOST:8786`` on Dask distributed workers.

Three parts, all here:

* :class:`GradingPlugin`, a Dask worker plugin that sets up each grader machine's worker once:
  a private copy of the course (``nbgrader_config.py``, ``source/``, ``release/``,
  ``reference/``, and ``graders/`` if the course has its own), and in it today's local pool
  (:mod:`graders.run.fastgrade`): ``jobs`` kernel slots and ``jobs + EXTRA_WORKERS`` grading
  processes, each with its fork server in its own bubblewrap sandbox. Workers load it with
  ``dask worker SCHEDULER --preload graders.run.farm --calc4ml-course DIR`` (``DIR`` on the
  grader machine: ``reference/`` never crosses the network);
* :func:`grade_remote`, the task: it carries a submission's files (no shared filesystem), grades
  it through nbgrader's API in the worker's course copy (the gradebook rows are written there,
  into the course's ``db_url``: PostgreSQL on a farm) and returns the grading result, the
  autograded folder and the feedback folder; nothing of it stays on the worker;
* :class:`FarmExecutor`, the client side, handed to :func:`graders.run.fastgrade.grade_class` as its
  ``executor`` by ``calc4ml grade --scheduler`` (and used by ``calc4ml serve --scheduler``'s
  :class:`graders.run.serve.FarmGradingPool`): it checks the farm (workers with the plugin, the same course
  hashes, the same gradebook, a loopback or TLS scheduler), submits tasks and writes what they
  return into the course's ``autograded/`` and ``feedback/``; ``grade_class`` journals as
  today, so ``--resume`` works the same after a scheduler restart.

Failures: a worker killed in the middle of a task (``kill -9``, its sandbox or the machine) is
noticed by the scheduler, which runs the task on another worker; the client receives one result
per submission and writes and journals it once (nbgrader's ``force`` replaces any rows a dead
worker wrote). A submission whose task was running on ``distributed.scheduler.allowed-failures +
1`` workers that died is failed by the scheduler (``KilledWorker``) and named in the summary.
"""

from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import hashlib
import ipaddress
import logging
import multiprocessing as mp
import os
import shutil
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Sequence
from urllib.parse import urlparse

from distributed.diagnostics.plugin import WorkerPlugin

from graders.run import fastgrade
from graders.run.fastgrade import EXTRA_WORKERS, GradeResult, GradeTask, course_hashes

__all__ = ["GradingPlugin", "FarmExecutor", "FarmError", "grade_remote", "farm_canary", "PLUGIN",
           "UNSAFE_PLAINTEXT_ENV", "dask_setup"]

log = logging.getLogger(__name__)

#: The plugin's name on every worker.
PLUGIN = "calc4ml-grading"
#: Set to 1 to allow a plain ``tcp://`` scheduler that is not on this machine's loopback.
UNSAFE_PLAINTEXT_ENV = "CALC4ML_UNSAFE_PLAINTEXT_SCHEDULER"
#: What of a course a grader machine's copy holds (``graders/`` only if the course has its own).
COURSE_COPY = ("nbgrader_config.py", "source", "release", "reference", "graders")
_IGNORE = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints")
#: Seconds between two looks of a grading process at whether its Dask worker still lives.
ORPHAN_POLL = 0.2
#: Seconds between two readings of the farm's size (workers joining or leaving mid-run).
CAPACITY_REFRESH = 5.0


class FarmError(RuntimeError):
    """The farm cannot grade this course: one line saying what is wrong and what to do."""


def _url_digest(url: str) -> str:
    """Gradebooks are compared by a digest of their URL: a password in it is never sent back."""
    return hashlib.sha256(url.encode()).hexdigest()


def _read_tree(folder: Path) -> dict[str, bytes]:
    """``{relative path: bytes}`` of the files under ``folder`` (none if it does not exist)."""
    if not folder.is_dir():
        return {}
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.is_symlink()}


def _write_tree(folder: Path, files: dict[str, bytes]) -> None:
    """Replace ``folder`` with ``files``: written beside it, then renamed into place."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        for rel, data in files.items():
            path = fresh / rel
            if Path(rel).is_absolute() or ".." in Path(rel).parts or not path.resolve().is_relative_to(fresh.resolve()):
                raise ValueError(f"refusing to write {rel!r} outside {folder}")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        old = None
        if folder.exists():
            old = folder.parent / f".{folder.name}-old-{uuid.uuid4().hex[:8]}"
            folder.rename(old)
        fresh.rename(folder)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise


# --------------------------------------------------------------------------------------------
# the grading processes inside a worker (spawned by the plugin's pool)


def _orphan_watch(parent: int) -> None:
    """Exit when the Dask worker that started this process is gone (``kill -9``): its fork server
    and sandbox die with it (bubblewrap's ``--die-with-parent``), and nothing more is written."""
    while os.getppid() == parent:
        time.sleep(ORPHAN_POLL)
    try:
        if fastgrade._FORK_SERVER is not None:
            fastgrade._FORK_SERVER.stop()
    finally:
        os._exit(70)


def _pool_init(course_root: str, use_fork_server: bool, slots: Any, parent: int) -> None:
    threading.Thread(target=_orphan_watch, args=(parent,), daemon=True, name="orphan-watch").start()
    fastgrade._worker_init(course_root, use_fork_server, slots)


def _warm() -> int:
    return os.getpid()


def _grade_and_collect(task: GradeTask, feedback: bool) -> dict[str, Any]:
    """In a grading process: grade (today's ``_grade_one``), then hand back its folders and
    remove them here (the scores are in the gradebook, which the instructor's side reads)."""
    root = Path(fastgrade._API.coursedir.root)
    start = time.monotonic()
    result = fastgrade._grade_one(task, feedback)
    if result.problem:  # paths as the instructor's course has them, not this worker's scratch copy
        result = dataclasses.replace(result, problem=result.problem.replace(str(root), "<course>"))
    out: dict[str, Any] = {"result": result, "autograded": {}, "feedback": {}}
    try:
        if result.success:
            out["autograded"] = _read_tree(root / "autograded" / task.student / task.assignment)
            out["feedback"] = _read_tree(root / "feedback" / task.student / task.assignment) if result.feedback else {}
    finally:
        for folder in ("submitted", "autograded", "feedback"):
            shutil.rmtree(root / folder / task.student / task.assignment, ignore_errors=True)
    out["worker_seconds"] = time.monotonic() - start
    return out


# --------------------------------------------------------------------------------------------
# the worker plugin


class GradingPlugin(WorkerPlugin):
    """Sets up a Dask worker once: its course copy and its pool of grading processes.

    ``course``: the course folder on the grader machine (copied, so grading writes nothing
    there); ``jobs``: kernels at once (default: the machine's cores, as ``calc4ml grade``).
    Start the Dask worker with ``--nthreads jobs + 1`` so every grading process has a task.
    """

    name = PLUGIN

    def __init__(self, course: str | os.PathLike[str], jobs: int | None = None, use_fork_server: bool = True) -> None:
        self.course = str(Path(course).resolve())
        self.jobs = jobs or os.cpu_count() or 1
        self.use_fork_server = use_fork_server
        self.root: Path | None = None
        self.pool: cf.ProcessPoolExecutor | None = None
        self._pool_lock = threading.Lock()
        self._hashes: dict[str, tuple[tuple[str, str], ...]] = {}

    # -- set-up ----------------------------------------------------------------------------
    def setup(self, worker: Any = None) -> None:
        source = Path(self.course)
        if mp.current_process().daemon:
            raise FarmError("this worker runs as a daemonic process (a nanny's default) and cannot start grading "
                            "processes: set DASK_DISTRIBUTED__WORKER__DAEMON=False for `dask worker`, or --no-nanny")
        if not (source / "nbgrader_config.py").exists():
            raise FarmError(f"{source} has no nbgrader_config.py: pass the course folder with --calc4ml-course")
        self.root = Path(tempfile.mkdtemp(prefix="calc4ml-farm-")) / "course"
        self.root.mkdir()
        for name in COURSE_COPY:
            if (source / name).is_dir():
                shutil.copytree(source / name, self.root / name, ignore=_IGNORE, symlinks=False)
            elif (source / name).is_file():
                shutil.copy(source / name, self.root / name)
        from graders.run.course import course_settings

        self.db_url = course_settings(self.root).db_url
        # what decides a grade here, hashed now, when the grading processes import it (a task whose
        # instructor hashed something else is refused, naming what differs)
        for folder in ("release", "source"):
            for assignment in sorted(p.name for p in (self.root / folder).glob("*") if p.is_dir()):
                self.hashes(assignment)
        self._start_pool()

    def _start_pool(self) -> None:
        ctx = mp.get_context("spawn")
        self.slots = ctx.BoundedSemaphore(self.jobs)
        processes = self.jobs + EXTRA_WORKERS
        self.pool = cf.ProcessPoolExecutor(max_workers=processes, mp_context=ctx, initializer=_pool_init,
                                           initargs=(str(self.root), self.use_fork_server, self.slots, os.getpid()))
        for _ in range(processes):  # spawned and warmed now (their fork servers started), not at the first task
            self.pool.submit(_warm)

    def teardown(self, worker: Any = None) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
        if self.root is not None:
            shutil.rmtree(self.root.parent, ignore_errors=True)
            self.root = None

    def hashes(self, assignment: str) -> tuple[tuple[str, str], ...]:
        if assignment not in self._hashes:
            assert self.root is not None
            self._hashes[assignment] = course_hashes(self.root, assignment)
        return self._hashes[assignment]

    def status(self) -> dict[str, Any]:
        return {"jobs": self.jobs, "processes": self.jobs + EXTRA_WORKERS, "gradebook": _url_digest(self.db_url),
                "sqlite": self.db_url.startswith("sqlite:"), "root": str(self.root)}

    # -- a task ----------------------------------------------------------------------------
    def grade(self, task: GradeTask, files: dict[str, bytes], feedback: bool) -> dict[str, Any]:
        assert self.root is not None
        mine = dict(self.hashes(task.assignment))
        differ = [part for part in fastgrade.COURSE_PARTS if mine.get(part) != dict(task.course).get(part)]
        if differ:
            return {"result": GradeResult(task, False, 0.0, f"this grader's course differs from the instructor's in "
                                          f"{'/'.join(differ)}: deploy the same course on every grader machine")}
        _write_tree(self.root / "submitted" / task.student / task.assignment, files)
        with self._pool_lock:
            pool = self.pool
        assert pool is not None
        try:
            return pool.submit(_grade_and_collect, task, feedback).result()
        except cf.process.BrokenProcessPool as exc:
            # a grading process died under this submission: a new pool for the next ones
            with self._pool_lock:
                if self.pool is pool:
                    pool.shutdown(wait=False, cancel_futures=True)
                    self._start_pool()
            return {"result": GradeResult(task, False, 0.0, f"its grading process died ({exc})")}
        finally:
            shutil.rmtree(self.root / "submitted" / task.student / task.assignment, ignore_errors=True)


def _plugin(worker: Any = None) -> GradingPlugin:
    from distributed import get_worker

    worker = worker or get_worker()
    plugin = worker.plugins.get(PLUGIN)
    if plugin is None:
        raise FarmError(f"worker {worker.address} has no {PLUGIN} plugin: start it with "
                        "--preload graders.run.farm --calc4ml-course DIR")
    return plugin


def grade_remote(task: GradeTask, files: dict[str, bytes], feedback: bool) -> dict[str, Any]:
    """The task: grade one submission on this worker; see :meth:`GradingPlugin.grade`."""
    start = time.monotonic()
    out = _plugin().grade(task, files, feedback)
    out["task_seconds"] = time.monotonic() - start
    return out


def _status(dask_worker: Any) -> dict[str, Any] | None:
    plugin = dask_worker.plugins.get(PLUGIN)
    return None if plugin is None else dict(plugin.status(), nthreads=dask_worker.state.nthreads)


async def _canary(assignments: Sequence[str], dask_worker: Any) -> str:
    """Run :func:`graders.run.canary.run_canary` on this worker's course copy: '' or the failure."""
    import asyncio

    from graders.run.canary import CanaryFailed, run_canary

    plugin = _plugin(dask_worker)
    try:
        await asyncio.to_thread(run_canary, plugin.root, list(assignments), jobs=plugin.jobs,
                                use_fork_server=plugin.use_fork_server)
    except CanaryFailed as exc:
        return str(exc)
    return ""


try:
    import click

    @click.command()
    @click.option("--calc4ml-course", required=True, type=click.Path(exists=True, file_okay=False),
                  help="the course folder on this grader machine (copied for the worker)")
    @click.option("--calc4ml-jobs", type=int, default=None, help="kernels at once (default: the cores)")
    @click.option("--calc4ml-no-fork-server", is_flag=True, default=False, help="start every kernel from scratch")
    async def dask_setup(worker: Any, calc4ml_course: str, calc4ml_jobs: int | None, calc4ml_no_fork_server: bool) -> None:
        """``dask worker ... --preload graders.run.farm --calc4ml-course DIR [--calc4ml-jobs N]``."""
        await worker.plugin_add(GradingPlugin(calc4ml_course, calc4ml_jobs, not calc4ml_no_fork_server), name=PLUGIN,
                                catch_errors=False)
except ImportError:  # pragma: no cover - click comes with distributed
    pass


# --------------------------------------------------------------------------------------------
# the client side


def check_scheduler_address(address: str) -> None:
    """A plain ``tcp://`` scheduler must be on this machine's loopback; elsewhere use ``tls://``
    (Dask's ``Security``, configured in dask's ``distributed.comm.tls`` settings)."""
    parsed = urlparse(address if "://" in address else f"tcp://{address}")
    if parsed.scheme == "tls" or os.environ.get(UNSAFE_PLAINTEXT_ENV) == "1":
        return
    host = parsed.hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if parsed.scheme not in ("tcp", "inproc", "ucx") or not loopback:
        raise FarmError(f"scheduler {address}: tasks carry students' notebooks and grades, so a scheduler on another "
                        f"machine must be reached over tls:// (Dask's Security: distributed.comm.tls.* settings); "
                        f"plain tcp:// only on loopback ({UNSAFE_PLAINTEXT_ENV}=1 overrides)")


class FarmExecutor:
    """``submit(fn, task, feedback)`` as ``grade_class`` calls its pool, on a Dask farm.

    Returns ``concurrent.futures`` futures whose result is the ``GradeResult``, once the
    autograded and feedback folders the task returned are written into the course."""

    def __init__(self, course_root: Path, scheduler: str, *, connect_timeout: float = 30) -> None:
        from distributed import Client

        from graders.run.course import course_settings

        check_scheduler_address(scheduler)
        self.course_root = Path(course_root).resolve()
        url = course_settings(self.course_root).db_url
        if url.startswith("sqlite:"):
            raise FarmError("the gradebook is SQLite, which only one machine may write: on a farm set "
                            "c.CourseDirectory.db_url in nbgrader_config.py to PostgreSQL "
                            "(postgresql+psycopg://USER@HOST/DB; the password in ~/.pgpass or PGPASSWORD on each machine)")
        # results (autograded notebook, feedback) come straight from the worker, not through the scheduler
        self.client = Client(scheduler, timeout=connect_timeout, set_as_default=False, direct_to_workers=True)
        try:
            status = {w: s for w, s in self.client.run(_status).items() if s is not None}
            if not status:
                raise FarmError(f"no worker at {scheduler} grades: start them with `dask worker {scheduler} "
                                "--preload graders.run.farm --calc4ml-course DIR`")
            other = sorted(w for w, s in status.items() if s["gradebook"] != _url_digest(url))
            if other:
                raise FarmError(f"workers {', '.join(other)} write another gradebook than this course's db_url: "
                                "deploy the same nbgrader_config.py on every grader machine")
        except BaseException:
            self.client.close()
            raise
        self.workers_status = status
        #: kernels at once over the farm, and the Dask threads that run tasks, when it was opened
        self.jobs = sum(s["jobs"] for s in status.values())
        self.threads = sum(min(s["nthreads"], s["processes"]) for s in status.values())
        self._capacity, self._capacity_at = self.threads, time.monotonic()
        self.task_seconds: list[float] = []  # on the workers, per task (the benchmark's overhead)

    def capacity(self) -> int:
        """The Dask threads that run tasks now: a worker that joins in the middle of a run (a
        machine added on deadline night) gets work at once, one that leaves stops being counted.
        Read from the scheduler at most every :data:`CAPACITY_REFRESH` seconds."""
        now = time.monotonic()
        if now - self._capacity_at >= CAPACITY_REFRESH:
            self._capacity_at = now
            try:
                workers = self.client.scheduler_info(n_workers=-1)["workers"].values()
                self._capacity = max(1, sum(int(w.get("nthreads", 0)) for w in workers))
            except Exception as exc:  # noqa: BLE001 - the scheduler is gone: the tasks say so
                log.debug("capacity: %s", exc)
        return self._capacity

    def __enter__(self) -> FarmExecutor:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        self.client.close()

    def canary(self, assignments: Sequence[str]) -> None:
        """Every worker grades the solution notebooks in a scratch copy of its course: raise
        ``graders.run.canary.CanaryFailed`` naming the workers whose do not score full marks."""
        from graders.run.canary import CanaryFailed

        failed = {w: why for w, why in self.client.run(_canary, list(assignments)).items() if why}
        if failed:
            raise CanaryFailed("; ".join(f"worker {w}: {why}" for w, why in sorted(failed.items())))

    def submit(self, fn: Any, task: GradeTask, feedback: bool = False) -> cf.Future[GradeResult]:
        out: cf.Future[GradeResult] = cf.Future()
        if self.client.status not in ("running", "connecting"):  # the scheduler is gone: the rest waits for --resume
            out.set_result(GradeResult(task, False, 0.0, f"the scheduler was lost (client {self.client.status}): "
                                                          "run again with --resume"))
            return out
        folder = self.course_root / "submitted" / task.student / task.assignment
        files = _read_tree(folder)
        key = f"calc4ml-grade-{task.assignment}-{task.student}-{uuid.uuid4().hex[:8]}"
        future = self.client.submit(grade_remote, task, files, feedback, key=key, pure=False)
        future.add_done_callback(lambda f: self._finish(f, task, out))
        return out

    def _finish(self, future: Any, task: GradeTask, out: cf.Future[GradeResult]) -> None:
        from distributed.scheduler import KilledWorker

        try:
            reply = future.result()
            result: GradeResult = reply["result"]
            if result.success:
                _write_tree(self.course_root / "autograded" / task.student / task.assignment, reply["autograded"])
                if reply.get("feedback"):
                    _write_tree(self.course_root / "feedback" / task.student / task.assignment, reply["feedback"])
                self.task_seconds.append(float(reply.get("worker_seconds", 0.0)))
        except KilledWorker as exc:
            result = GradeResult(task, False, 0.0, f"not graded: every grading worker it was sent to died while grading "
                                                    f"it ({exc})")
        except BaseException as exc:  # noqa: BLE001 - one submission fails, not the run
            from distributed.utils import CancelledError

            if isinstance(exc, (CancelledError, cf.CancelledError, OSError)):
                result = GradeResult(task, False, 0.0, f"the scheduler was lost ({type(exc).__name__}): "
                                                        "run again with --resume")
            else:
                result = GradeResult(task, False, 0.0, f"grading task failed: {type(exc).__name__}: {exc}"[:300])
        out.set_result(result)


def farm_canary(course_root: Path, scheduler: str, assignments: Sequence[str]) -> float:
    """The canary on every worker of the farm; the seconds it took."""
    start = time.monotonic()
    with FarmExecutor(course_root, scheduler) as farm:
        farm.canary(assignments)
    return time.monotonic() - start
