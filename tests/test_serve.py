"""``calc4ml serve`` with real processes: real Unix users run ``nbgrader submit`` into a real
exchange while the server grades; a burst of 60 submissions from 20 users, then the same burst
with the server killed (``kill -9``) mid-burst and restarted. Every submission is graded once (or
superseded by a newer one of the same student and assignment), none is lost, the gradebook equals
stock ``nbgrader autograde`` on the same notebooks cell by cell, and every student fetches the
feedback of their latest submission with ``nbgrader fetch_feedback``."""

from __future__ import annotations

import atexit
import json
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

import nbformat
import pytest

from conftest import BIN, make_course, nbgrader
from corpus import CORPUS, build_submission, load_variant
from graders.report.scores import cell_scores
from graders.run.serve import JOURNAL, parse_inbound_name, replay

pytestmark = pytest.mark.e2e

W1, W2, W3 = "w1_cost_minimization", "w2_linear_regression", "w3_two_layer_network"
SERVED = (W1, W2, W3)
VARIANTS = {
    W1: ["correct_loops", "bug_dL_sign", "bug_ddof1", "attack_patch_asserts", "correct_vectorised_npvar",
         "bug_optimal_sign"],
    W2: ["correct_matrix_form", "bug_gd_sequential", "bug_E_sum", "correct_loops", "bug_dEdm_sign"],
    W3: ["correct_reference", "bug_no_sigmoid_derivative", "bug_update_adds"],
}
MALFORMED = '{"cells": [ this is not JSON'
USERS = 20


def _root_with_useradd() -> str | None:
    if os.geteuid() != 0:
        return "needs root (real Unix users submit)"
    if shutil.which("useradd") is None or shutil.which("runuser") is None:
        return "needs useradd and runuser"
    return None


def _notebook(release: Path, assignment: str, variant: str | None) -> str:
    if variant is None:
        return MALFORMED
    nb = nbformat.read(release / assignment / f"{assignment}.ipynb", as_version=4)
    return nbformat.writes(build_submission(nb, assignment, load_variant(CORPUS / assignment / f"{variant}.py")))


def burst_plan(users: list[str]) -> list[tuple[str, str, str | None]]:
    """60 submissions ``(user, assignment, variant or None for a malformed notebook)`` in the
    order each user makes them: everyone w1 and w2, five w3, one a malformed w3, and fourteen
    resubmissions of w1 or w2 with another variant (each after that user's first)."""
    plan: list[tuple[str, str, str | None]] = []
    for i, u in enumerate(users):
        plan.append((u, W1, VARIANTS[W1][i % len(VARIANTS[W1])]))
        plan.append((u, W2, VARIANTS[W2][i % len(VARIANTS[W2])]))
    for i, u in enumerate(users[:5]):
        plan.append((u, W3, VARIANTS[W3][i % len(VARIANTS[W3])]))
    plan.append((users[5], W3, None))
    for i, u in enumerate(users[6:]):
        a = W1 if i % 2 == 0 else W2
        plan.append((u, a, VARIANTS[a][(i + 3) % len(VARIANTS[a])]))
    assert len(plan) == 60 and len(users) == USERS
    return plan


def final_submissions(plan: list[tuple[str, str, str | None]]) -> dict[tuple[str, str], str | None]:
    last: dict[tuple[str, str], str | None] = {}
    for user, a, variant in plan:
        last[(user, a)] = variant
    return last


def _env(exchange: Path) -> dict[str, str]:
    return dict(os.environ, PATH=f"{BIN}:{os.environ.get('PATH', '')}", CALC4ML_EXCHANGE=str(exchange))


_PYTHON: list[Path] = []


def users_python() -> Path:
    """A Python other users can run, with nbgrader: this venv's if they can reach it; else a venv
    of the system's Python of the same version whose path includes this venv's packages (where
    the venv's interpreter lies in a folder only root may enter, as with pyenv under /root)."""
    if _PYTHON:
        return _PYTHON[0]
    from hub import _traversable_by_others, world_readable_tmpdir

    if _traversable_by_others((BIN / "python").resolve()):
        _PYTHON.append(BIN / "python")
        return _PYTHON[0]
    system = Path(f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}")
    if not system.exists():
        pytest.skip(f"other users cannot run {BIN / 'python'} and there is no {system}")
    env = world_readable_tmpdir("calc4ml-submitter-env-")
    atexit.register(shutil.rmtree, env, ignore_errors=True)
    subprocess.run([str(system), "-m", "venv", "--without-pip", str(env)], check=True)
    (env / "lib" / system.name / "site-packages" / "course.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _PYTHON.append(env / "bin" / "python")
    return _PYTHON[0]


def as_user(user: str, exchange: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """``nbgrader ARGS`` run by ``user`` (real Unix user, their home, nothing of root's)."""
    entry = pwd.getpwnam(user)
    env = {"PATH": "/usr/bin:/bin", "HOME": entry.pw_dir, "USER": user, "LOGNAME": user, "LANG": "C.UTF-8"}
    cmd = ["runuser", "-u", user, "--", "env", *[f"{k}={v}" for k, v in env.items()], str(users_python()),
           "-m", "nbgrader", *args, "--course", "calc4ml", f"--Exchange.root={exchange}"]
    proc = subprocess.run(cmd, cwd=cwd or entry.pw_dir, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"{' '.join(args)} as {user} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


class Served:
    """A course, its exchange and a ``calc4ml serve`` process on them."""

    def __init__(self, base: Path, users: list[str], config: str = "", env: dict[str, str] | None = None) -> None:
        from hub import world_readable_tmpdir

        self.course = make_course(base / "course")
        self.env = env or {}
        if config:
            with open(self.course / "nbgrader_config.py", "a") as f:
                f.write(f"\n{config}\n")
        self.exchange = world_readable_tmpdir("calc4ml-serve-exchange-")
        self.exchange.chmod(0o1777)
        self.users = users
        subprocess.run([str(BIN / "calc4ml"), "--course", str(self.course), "release", *SERVED, "--publish"],
                       env=_env(self.exchange), check=True, capture_output=True, text=True)
        for user in users:
            home = Path(pwd.getpwnam(user).pw_dir)
            for a in SERVED:
                shutil.rmtree(home / a, ignore_errors=True)
                shutil.copytree(self.course / "release" / a, home / a)
            subprocess.run(["chown", "-R", f"{user}:{user}", str(home)], check=True)
        self.proc: subprocess.Popen | None = None
        self.log = base / "serve.log"

    def start(self, *extra: str) -> None:
        with open(self.log, "a") as out:
            self.proc = subprocess.Popen([str(BIN / "calc4ml"), "--course", str(self.course), "serve", *SERVED, *extra],
                                         env={**_env(self.exchange), **self.env}, stdout=out, stderr=subprocess.STDOUT, text=True)
        start = self.log.read_text().count(" serving ")
        deadline = time.monotonic() + 600
        while self.log.read_text().count(" serving ") == start:
            assert self.proc.poll() is None, f"calc4ml serve exited:\n{self.log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, "calc4ml serve did not start"
            time.sleep(0.5)

    def kill9(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=60)
        shutil.rmtree(self.exchange, ignore_errors=True)

    def journal(self) -> list[dict]:
        path = self.course / JOURNAL
        out = []
        for line in path.read_text().splitlines() if path.exists() else []:
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                pass
        return out

    def inbound(self) -> list[str]:
        return sorted(os.listdir(self.exchange / "calc4ml" / "inbound"))

    def submit(self, plan: list[tuple[str, str, str | None]], notebooks: dict, parallel: int = 3) -> float:
        """Each user's submissions in order, ``parallel`` users at a time; returns the seconds taken."""
        by_user: dict[str, list[tuple[str, str | None]]] = {}
        for user, a, variant in plan:
            by_user.setdefault(user, []).append((a, variant))

        def one_user(user: str) -> None:
            home = Path(pwd.getpwnam(user).pw_dir)
            for a, variant in by_user[user]:
                path = home / a / f"{a}.ipynb"
                path.write_text(notebooks[(a, variant)])
                shutil.chown(path, user, user)
                as_user(user, self.exchange, "submit", a, cwd=home)

        t = time.monotonic()
        with ThreadPoolExecutor(parallel) as pool:
            list(pool.map(one_user, list(by_user)))
        return time.monotonic() - t

    def wait_all(self, n: int, timeout: float = 1800) -> dict[str, dict]:
        """Until every one of the ``n`` inbound submissions is done or superseded in the journal."""
        deadline = time.monotonic() + timeout
        while True:
            names = self.inbound()
            state = replay(self.journal())
            open_ = [x for x in names if state.get(x, {}).get("event") not in ("done", "superseded")]
            if len(names) == n and not open_:
                return state
            assert self.proc is not None and self.proc.poll() is None, f"calc4ml serve died:\n{self.log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, f"not finished: {open_[:5]}\n{self.log.read_text()[-3000:]}"
            time.sleep(1)


def stock_grades(base: Path, finals: dict[tuple[str, str], str | None], notebooks: dict) -> dict:
    """Stock ``nbgrader autograde`` of the same final notebooks, in a course of its own."""
    course = make_course(base / "stock")
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f UTC")
    for a in SERVED:
        nbgrader(course, "generate_assignment", a, "--force")
    for (user, a), variant in finals.items():
        folder = course / "submitted" / user / a
        shutil.copytree(course / "release" / a, folder)
        (folder / f"{a}.ipynb").write_text(notebooks[(a, variant)])
        (folder / "timestamp.txt").write_text(stamp)
    for a in SERVED:
        nbgrader(course, "autograde", a, "--force", check=False)
    return cell_scores(course, SERVED)


def _totals(scores: dict) -> dict[tuple[str, str], float]:
    out: dict[tuple[str, str], float] = {}
    for (a, s, _), v in scores.items():
        out[(s, a)] = out.get((s, a), 0.0) + v
    return out


def check_round(served: Served, plan, finals, stock, state: dict[str, dict], killed: bool = False) -> None:
    names = served.inbound()
    assert len(names) == len(plan)  # nothing lost on the way in
    events = served.journal()
    done = {}
    for e in events:
        if e.get("event") == "done":
            done[e["name"]] = done.get(e["name"], 0) + 1
    started = {e["name"] for e in events if e.get("event") == "started"}
    by_key: dict[tuple[str, str], list[str]] = {}
    for name in names:
        student, a, timestamp = parse_inbound_name(name)
        by_key.setdefault((student, a), []).append(name)
        if state[name]["event"] == "superseded":
            assert name not in done, f"{name} was superseded but graded"
            # only a kill -9 while it was being graded leaves a superseded one started (queued again on restart)
            assert killed or name not in started, f"{name} was superseded while being graded"
        else:
            assert done.get(name) == 1, f"{name} graded {done.get(name, 0)} times"
    for key, keyed in by_key.items():  # the newest of each student and assignment is graded
        newest = max(keyed, key=lambda n: parse_inbound_name(n)[2])
        assert state[newest]["event"] == "done", f"{newest}: {state[newest]}"
        assert state[newest].get("success") == (finals[key] is not None), state[newest]
    served_scores = cell_scores(served.course, SERVED)
    assert served_scores == stock, {k: (served_scores.get(k), stock.get(k)) for k in set(served_scores) | set(stock)
                                    if served_scores.get(k) != stock.get(k)}
    assert len({(s, a) for (a, s, _) in stock}) == sum(v is not None for v in finals.values())
    assert len(set(_totals(stock).values())) > 2  # the class has different grades: the comparison means something
    # every student fetches the feedback of their latest submission of each assignment
    totals = _totals(stock)
    for user in served.users:
        home = Path(pwd.getpwnam(user).pw_dir)
        for a in SERVED:
            if (user, a) not in finals:
                continue
            shutil.rmtree(home / a / "feedback", ignore_errors=True)
            as_user(user, served.exchange, "fetch_feedback", a, cwd=home)
            newest = max(by_key[(user, a)], key=lambda n: parse_inbound_name(n)[2])
            page = home / a / "feedback" / parse_inbound_name(newest)[2] / f"{a}.html"
            assert page.exists(), f"{user} has no feedback for {newest}: {list((home / a).rglob('*.html'))}"
            text = page.read_text()
            if finals[(user, a)] is None:
                assert "not graded" in text, text[:2000]
            else:
                shown = re.search(r"\(Score: ([0-9.]+) / ([0-9.]+)\)", text)
                assert shown and float(shown.group(1)) == pytest.approx(totals[(user, a)]), (user, a, shown)


@pytest.fixture(scope="module")
def users():
    why = _root_with_useradd()
    if why:
        pytest.skip(why)
    from hub import unix_users

    with unix_users(USERS, prefix="sv") as names:
        yield names


@pytest.fixture(scope="module")
def burst(users, tmp_path_factory):
    """The plan, its notebooks and stock grades of the final ones (computed in the background)."""
    base = tmp_path_factory.mktemp("serve")
    release = make_course(base / "release_course")
    for a in SERVED:
        nbgrader(release, "generate_assignment", a, "--force")
    plan = burst_plan(users)
    notebooks = {(a, v): _notebook(release / "release", a, v) for _, a, v in plan}
    finals = final_submissions(plan)
    result: dict = {}
    thread = threading.Thread(target=lambda: result.update(stock=stock_grades(base, finals, notebooks)))
    thread.start()
    yield plan, notebooks, finals, lambda: (thread.join(), result["stock"])[1]
    thread.join()


def test_burst_of_60_from_20_users_is_graded_once_as_stock_grades_it(burst, users, tmp_path) -> None:
    plan, notebooks, finals, stock = burst
    served = Served(tmp_path, users)
    served.start()
    try:
        seconds = served.submit(plan, notebooks, parallel=8)
        # within a minute on a quiet 2-core machine; 60 nbgrader processes take longer on a loaded one
        print(f"60 submissions by nbgrader submit as 20 users took {seconds:.0f} s")
        state = served.wait_all(len(plan))
        check_round(served, plan, finals, stock(), state)
        status = subprocess.run([str(BIN / "calc4ml"), "--course", str(served.course), "serve", "--status"],
                                capture_output=True, text=True, check=True).stdout
        n_failed = sum(v is None for v in finals.values())
        assert f"failed {n_failed}," in status and "queued 0, running 0" in status, status
        lines = [ln for ln in served.log.read_text().splitlines() if " latency " in ln]
        graded = [e for e in served.journal() if e.get("event") == "done"]
        assert len(lines) == len(graded)  # one log line per submission, with its latency
    finally:
        served.stop()


def test_kill_9_mid_burst_and_restart_loses_nothing(burst, users, tmp_path) -> None:
    plan, notebooks, finals, stock = burst
    served = Served(tmp_path, users)
    served.start()
    try:
        submitter = threading.Thread(target=served.submit, args=(plan, notebooks, 8))
        submitter.start()
        deadline = time.monotonic() + 600
        while True:  # kill it while it grades, some done, more still arriving
            events = served.journal()
            done = sum(e.get("event") == "done" for e in events)
            running = {e["name"] for e in events if e.get("event") == "started"} - {
                e["name"] for e in events if e.get("event") == "done"}
            if done >= 8 and running:
                break
            assert time.monotonic() < deadline
            time.sleep(0.2)
        served.kill9()
        killed_with = len(running)
        time.sleep(3)
        served.start()
        submitter.join()
        state = served.wait_all(len(plan))
        assert killed_with > 0
        check_round(served, plan, finals, stock(), state, killed=True)
        assert "journal:" in served.log.read_text()  # the restart replayed it
    finally:
        served.stop()


def test_the_burst_through_serve_on_a_dask_farm_with_a_worker_killed_is_graded_once_as_stock_grades_it(
        burst, users, tmp_path) -> None:
    """``calc4ml serve --scheduler``: the server collects and releases, two Dask workers (each its
    own course copy, sandbox and fork server) grade into PostgreSQL; one is killed with -9 while it
    grades, and the other finishes the burst."""
    from servers import DaskFarm, postgres_missing, start_postgres

    why = postgres_missing()
    if why:
        pytest.skip(why)
    plan, notebooks, finals, stock = burst
    # the server and the workers import one snapshot of graders, as one deployment does (the workers
    # refuse a task whose graders differ from the server's, and this checkout may be edited meanwhile)
    frozen = tmp_path / "frozen"
    shutil.copytree(Path(__file__).resolve().parents[1] / "graders", frozen / "graders",
                    ignore=shutil.ignore_patterns("__pycache__"))
    env = {"PYTHONPATH": str(frozen)}
    pg = start_postgres(database="served")
    served = Served(tmp_path, users, config=f"# the farm's gradebook\nc.CourseDirectory.db_url = {pg.url!r}", env=env)
    farm = DaskFarm(tmp_path / "dask", env=env)
    try:
        for _ in range(2):
            farm.add_worker(served.course, jobs=1)
        farm.wait_for_workers(2)
        served.start("--scheduler", farm.address)
        assert f"on the Dask farm at {farm.address} (2 workers)" in served.log.read_text()
        submitter = threading.Thread(target=served.submit, args=(plan, notebooks, 8))
        submitter.start()
        victim = None
        deadline = time.monotonic() + 900
        while victim is None:  # kill -9 a worker while it grades, some submissions done
            done = sum(e.get("event") == "done" for e in served.journal())
            busy = farm.processing() if done >= 5 else {}
            victim = next((i for i in range(2) if busy.get(f"grader-{i}")), None)
            assert time.monotonic() < deadline, f"no worker was grading:\n{served.log.read_text()[-3000:]}"
            time.sleep(0.2)
        os.kill(farm.worker_pid(victim), signal.SIGKILL)
        submitter.join()
        state = served.wait_all(len(plan))
        check_round(served, plan, finals, stock(), state)
        # the server graded nothing itself: no sandbox among its children
        import psutil

        assert not [p for p in psutil.Process(served.proc.pid).children(recursive=True) if p.name() == "bwrap"]
    finally:
        served.stop()
        farm.close()
        pg.stop()


# --------------------------------------------------------------------------------------------
# Faults and the hidden-check policy (one assignment; nbgrader submit --student as root)


def _small_course(base: Path, config_lines: str = "") -> tuple[Path, Path]:
    from hub import world_readable_tmpdir

    course = make_course(base / "course")
    if config_lines:
        with open(course / "nbgrader_config.py", "a") as f:
            f.write("\n# test_serve.py\n" + config_lines)
    exchange = world_readable_tmpdir("calc4ml-serve-exchange-")
    exchange.chmod(0o1777)
    subprocess.run([str(BIN / "calc4ml"), "--course", str(course), "release", W1, "--publish"], env=_env(exchange),
                   check=True, capture_output=True, text=True)
    return course, exchange


def _root_submit(course: Path, exchange: Path, home: Path, student: str, text: str, *args: str) -> str:
    """``nbgrader submit`` (or ``fetch_feedback`` with args) as ``student`` from ``home``; returns stdout+stderr."""
    folder = home / student
    if not (folder / W1).exists():
        shutil.copytree(course / "release" / W1, folder / W1)
    if text:
        (folder / W1 / f"{W1}.ipynb").write_text(text)
    proc = subprocess.run([str(BIN / "nbgrader"), *(args or ("submit",)), W1, "--course", "calc4ml",
                           f"--Exchange.root={exchange}", f"--student={student}"],
                          cwd=folder, env=dict(_env(exchange), HOME=str(folder)), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout + proc.stderr


def _fetched(course: Path, exchange: Path, home: Path, student: str) -> str:
    """The newest feedback page ``student`` fetches with ``nbgrader fetch_feedback``."""
    shutil.rmtree(home / student / W1 / "feedback", ignore_errors=True)
    _root_submit(course, exchange, home, student, "", "fetch_feedback")
    pages = sorted((home / student / W1 / "feedback").glob(f"*/{W1}.html"))
    assert pages, f"{student} fetched no feedback"
    return pages[-1].read_text()


def _start(course: Path, exchange: Path, log: Path, *args: str) -> subprocess.Popen:
    out = open(log, "a")
    proc = subprocess.Popen([str(BIN / "calc4ml"), "--course", str(course), "serve", W1, "--no-canary", *args],
                            env=_env(exchange), stdout=out, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 300
    while " serving " not in log.read_text():
        assert proc.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
        time.sleep(0.3)
    return proc


def _state(course: Path) -> dict[str, dict]:
    path = course / JOURNAL
    entries = []
    for line in path.read_text().splitlines() if path.exists() else []:
        try:
            entries.append(json.loads(line))
        except json.JSONDecodeError:
            pass
    return replay(entries)


def _wait(predicate, what: str, timeout: float = 600, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out: {what}\n{log.read_text()[-3000:] if log else ''}"
        time.sleep(0.5)


def test_a_hanging_submission_and_one_that_kills_its_worker_fail_alone(tmp_path) -> None:
    course, exchange = _small_course(tmp_path)
    release = nbformat.read(course / "release" / W1 / f"{W1}.ipynb", as_version=4)
    hang = build_submission(release, W1, load_variant(CORPUS / W1 / "correct_loops.py"))
    first = next(c for c in hang.cells if c.metadata.get("nbgrader", {}).get("solution"))
    first.source = "import time\ntime.sleep(3600)\n" + first.source
    slow = build_submission(release, W1, load_variant(CORPUS / W1 / "correct_loops.py"))
    first = next(c for c in slow.cells if c.metadata.get("nbgrader", {}).get("solution"))
    first.source = "import time\ntime.sleep(25)\n" + first.source  # long enough to be killed while graded
    good = _notebook(course / "release", W1, "correct_loops")
    bug = _notebook(course / "release", W1, "bug_dL_sign")
    home, log = tmp_path / "homes", tmp_path / "serve.log"
    proc = _start(course, exchange, log, "--timeout", "45")
    try:
        _root_submit(course, exchange, home, "hangs", nbformat.writes(hang))
        _root_submit(course, exchange, home, "killer", nbformat.writes(slow))
        # the worker grading "killer" dies (as under the OOM killer), twice: then it is the cause
        killed = set()
        status_path = course / ".calc4ml" / "serve" / "status.json"
        for _ in range(2):
            def running_pid() -> int | None:
                try:
                    status = json.loads(status_path.read_text())
                except (OSError, json.JSONDecodeError):
                    return None
                pids = [s.get("worker_pid") for s in status["running"] if s["student"] == "killer"]
                return pids[0] if pids and pids[0] and pids[0] not in killed else None
            _wait(lambda: running_pid() is not None, "killer's worker", log=log)
            pid = running_pid()
            os.kill(pid, signal.SIGKILL)
            killed.add(pid)
        _root_submit(course, exchange, home, "ok", good)
        _root_submit(course, exchange, home, "buggy", bug)
        done = lambda: sum(e.get("event") == "done" for e in _state(course).values()) == 4  # noqa: E731
        _wait(done, "all four finished", log=log)
        by_student = {e["student"]: e for e in _state(course).values()}
        assert not by_student["hangs"]["success"] and "longer than 45 s" in by_student["hangs"]["problem"]
        assert not by_student["killer"]["success"] and "worker died" in by_student["killer"]["problem"]
        assert by_student["ok"]["success"] and by_student["buggy"]["success"]
        assert by_student["ok"]["score"] == by_student["ok"]["max_score"] > by_student["buggy"]["score"]
        for student, why in (("hangs", "longer than 45 s"), ("killer", "worker died")):
            page = _fetched(course, exchange, home, student)
            assert "not graded" in page and why in page, page
        assert "(Score: " in _fetched(course, exchange, home, "ok")
        text = log.read_text()
        assert "hangs / w1_cost_minimization" in text and "FAILED: grading took longer than 45 s" in text
        # the worker that died first is the one charged: "hangs", in another worker then, is not suspected
        assert not [ln for ln in text.splitlines() if ln.split(" ", 2)[-1].startswith("hangs /") and "suspected" in ln]
        status = subprocess.run([str(BIN / "calc4ml"), "--course", str(course), "serve", "--status"],
                                capture_output=True, text=True, check=True).stdout
        assert "failed 2," in status and "done 2," in status, status
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        shutil.rmtree(exchange, ignore_errors=True)


def test_hidden_check_results_held_until_the_due_date(tmp_path) -> None:
    due = datetime.now(timezone.utc).timestamp() + 150
    stamp = datetime.fromtimestamp(due, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    course, exchange = _small_course(tmp_path, f"c.ServePolicy.hold_hidden_until_due = [{W1!r}]\n"
                                                f"c.DueDates.dates[{W1!r}] = {stamp!r}\n")
    home, log = tmp_path / "homes", tmp_path / "serve.log"
    proc = _start(course, exchange, log)
    try:
        bug = _notebook(course / "release", W1, "bug_dL_sign")
        _root_submit(course, exchange, home, "early", bug)
        _wait(lambda: any(e.get("event") == "done" for e in _state(course).values()), "graded", log=log)
        assert time.time() < due, "graded after the due date: the test cannot see the hold"
        page = _fetched(course, exchange, home, "early")
        assert "received and graded" in page and "(Score:" not in page and "dLdOmega" not in page, page
        status = subprocess.run([str(BIN / "calc4ml"), "--course", str(course), "serve", "--status"],
                                capture_output=True, text=True, check=True).stdout
        assert f"{W1}: hidden-check results held until" in status, status
        _wait(lambda: "full feedback released" in log.read_text(), "release at the due date", timeout=400, log=log)
        page = _fetched(course, exchange, home, "early")
        shown = re.search(r"\(Score: ([0-9.]+) / ([0-9.]+)\)", page)
        graded = next(iter(_state(course).values()))
        assert shown and float(shown.group(1)) == graded["score"] < float(shown.group(2)), page[:500]
        assert "dLdOmega" in page  # the hidden check's message is there now
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        shutil.rmtree(exchange, ignore_errors=True)


def _inbound_folder(inbound: Path, student: str, assignment: str, when: str, complete: bool = True) -> str:
    name = f"{student}+{assignment}+{when} UTC+{abs(hash((student, when))) % 10**6}"
    (inbound / name).mkdir(parents=True)
    (inbound / name / "timestamp.txt").write_text(f"{when} UTC")
    if complete:
        (inbound / name / "submission_secret.txt").write_text("s" * 128)
    return name


def test_journal_replay_supersedes_queued_resubmissions_and_sees_each_once(tmp_path) -> None:
    """The server's bookkeeping without its workers: scanning, superseding, replaying the journal."""
    from graders.run.serve import Server

    inbound = tmp_path / "inbound"
    old = _inbound_folder(inbound, "ann", W1, "2026-01-01 10:00:00.000001")
    new = _inbound_folder(inbound, "ann", W1, "2026-01-01 10:05:00.000001")
    other = _inbound_folder(inbound, "bob", W1, "2026-01-01 10:01:00.000001")
    w2 = _inbound_folder(inbound, "ann", W2, "2026-01-01 09:00:00.000001")
    copying = _inbound_folder(inbound, "cy", W1, "2026-01-01 10:06:00.000001", complete=False)
    server = Server(tmp_path / "course", inbound, [W1, W2])
    assert server.scan() == 4  # cy's is still being copied by nbgrader submit
    states = {n: s.state for n, s in server.subs.items()}
    assert states == {old: "superseded", new: "queued", other: "queued", w2: "queued"}
    # a restart (the same journal) sees nothing new and keeps the states; the finished copy arrives
    (inbound / copying / "submission_secret.txt").write_text("s" * 128)
    again = Server(tmp_path / "course", inbound, [W1, W2])
    again._recover()
    assert {n: s.state for n, s in again.subs.items()} == states
    assert again.scan() == 1 and again.subs[copying].state == "queued"
    seen = [e for e in _state(tmp_path / "course").values()]
    assert len(seen) == 5
    lines = (tmp_path / "course" / JOURNAL).read_text().splitlines()
    assert sum('"event": "seen"' in ln for ln in lines) == 5  # each seen once across both runs
    # a line cut by a kill -9 is skipped, the rest replays
    with open(tmp_path / "course" / JOURNAL, "a") as f:
        f.write('{"event": "done", "name": "' + new[:10])
    third = Server(tmp_path / "course", inbound, [W1, W2])
    third._recover()
    assert third.subs[new].state == "queued" and third.subs[old].state == "superseded"


@pytest.mark.browser
def test_on_jupyterhub_a_student_submits_and_fetches_graded_feedback_without_anyone_running_a_command(chromium) -> None:
    """A real hub (tests/hub.py), a real student in headless Chromium: Fetch, write a notebook,
    Submit, then Fetch Feedback shows the grade, with only ``calc4ml serve`` running beside."""
    from hub import hub_missing, running_hub, unix_users, world_readable_tmpdir

    reason = hub_missing(instructors=False)
    if reason:
        pytest.skip(reason)
    from browser import TIMEOUT_MS, VIEWPORT, browser_missing

    reason = browser_missing()
    if reason:
        pytest.skip(reason)
    from nbgrader.api import Gradebook
    from test_jupyterhub import A, NB, fetch_from_tab, read_feedback, submit_from_tab, variant_notebook, write_as

    base = world_readable_tmpdir("calc4ml-hubserve-")
    course = make_course(base / "course")
    exchange = base / "exchange"
    subprocess.run([str(BIN / "calc4ml"), "--course", str(course), "release", A, "--publish"], env=_env(exchange),
                   check=True, capture_output=True, text=True)
    log = base / "serve.log"
    server = subprocess.Popen([str(BIN / "calc4ml"), "--course", str(course), "serve", A], env=_env(exchange),
                              stdout=open(log, "w"), stderr=subprocess.STDOUT, text=True)
    try:
        _wait(lambda: " serving " in log.read_text() or server.poll() is not None, "serve started", log=log)
        assert server.poll() is None, log.read_text()[-3000:]
        with unix_users(1, prefix="stu", home_base=base) as (ada,), \
                running_hub(base / "hub", students=[ada], exchange=exchange) as hub:
            context = chromium.new_context(viewport=VIEWPORT)  # the session's browser (tests/browser.py)
            context.set_default_timeout(TIMEOUT_MS)
            page = context.new_page()
            hub.login(page, ada)
            fetch_from_tab(page, hub, ada, "serve_01_ada")
            write_as(ada, base / ada / A / NB, nbformat.writes(variant_notebook("bug_dL_sign")))
            submit_from_tab(page, hub, ada, "serve_02_ada")
            # nobody runs a command: the student presses Fetch Feedback until the graded page comes
            text, deadline = "", time.monotonic() + 300
            while "(Score:" not in text:
                assert time.monotonic() < deadline, f"no graded feedback reached {ada}\n{log.read_text()[-3000:]}"
                try:
                    text = read_feedback(page, hub, ada, "serve_03_ada")
                except AssertionError:
                    text = ""
            with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
                sub = gb.find_submission(A, ada)
                score, max_score = sub.score, sub.max_score
            assert 0 < score < max_score  # a wrong sign in dLdOmega costs that test only
            assert f"Score: {score:.1f} / {max_score:.1f}" in text and "dLdOmega" in text, text[:3000]
            assert "BEGIN HIDDEN TESTS" not in text
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=120)
        shutil.rmtree(base, ignore_errors=True)
