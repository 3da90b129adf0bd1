"""The grading farm (graders/run/farm.py): `calc4ml grade --scheduler` on real Dask workers, the
gradebook on a real PostgreSQL server, both started here on loopback; grades compared cell by
cell with stock `nbgrader autograde` on SQLite."""

from __future__ import annotations

import concurrent.futures as cf
import csv
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path

import nbformat
import psutil
import pytest

from conftest import BIN, make_course, nbgrader, submit
from corpus import build_submission, mixed_class
from servers import DaskFarm, free_port, postgres_missing, start_postgres, wait_until_up
from graders.assignments import ASSIGNMENTS
from graders.report.scores import cell_scores
from graders.run.fastgrade import JOURNAL, journal_entries

#: submissions per assignment in the class graded on the farm (4 assignments: 60, + the spy)
PER_ASSIGNMENT = 15
#: a student cell that prints what the kernel can see of its environment
SPY = ("import os\nprint('SPY-ENV', sorted(os.environ.items()))\n"
       "print('SPY-PROC1', open('/proc/1/environ').read())\n"
       "print('SPY-TMP', sorted(os.listdir('/tmp')))\n")
KEY = re.compile(r"calc4ml-grade-(?P<assignment>w\d_[a-z_]+)-(?P<student>.+)-[0-9a-f]{8}$")


#: ``graders`` as the farm's tests import it (see ``frozen``); empty: the checkout's
FROZEN: dict[str, str] = {}


def calc4ml(course: Path, *args: str, check: bool = True, timeout: float = 3600) -> subprocess.CompletedProcess:
    env = dict(os.environ, PATH=f"{BIN}:{os.environ.get('PATH', '')}", **FROZEN)
    proc = subprocess.run([str(BIN / "calc4ml"), "--course", str(course), *args], env=env, capture_output=True,
                          text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"calc4ml {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def use_postgres(course: Path, url: str) -> None:
    """The course's gradebook on PostgreSQL: nbgrader's db_url, as an instructor sets it."""
    with open(course / "nbgrader_config.py", "a") as f:
        f.write(f"\n# the farm's gradebook\nc.CourseDirectory.db_url = {url!r}\n")


# --------------------------------------------------------------------------------------------
# without servers


def test_a_plain_tcp_scheduler_elsewhere_is_refused_and_loopback_or_tls_is_not() -> None:
    from graders.run.farm import FarmError, check_scheduler_address

    for ok in ("tcp://127.0.0.1:8786", "tcp://localhost:8786", "tls://grader-1.example.org:8786", "tcp://[::1]:8786"):
        check_scheduler_address(ok)
    for bad in ("tcp://10.1.2.3:8786", "tcp://scheduler.example.org:8786", "10.1.2.3:8786"):
        with pytest.raises(FarmError, match="tls://"):
            check_scheduler_address(bad)


def test_the_farm_refuses_an_sqlite_gradebook_and_a_remote_plain_scheduler(tmp_path: Path) -> None:
    course = make_course(tmp_path / "course")
    submit(course, "ann", ASSIGNMENTS[0], nbformat.v4.new_notebook())
    out = calc4ml(course, "grade", "--scheduler", "tcp://10.1.2.3:8786", "--no-canary", check=False)
    assert out.returncode == 2 and "tls://" in out.stderr, out.stderr
    out = calc4ml(course, "grade", "--scheduler", "tcp://127.0.0.1:9", "--no-canary", check=False)
    assert out.returncode == 2 and "SQLite" in out.stderr and "postgresql+psycopg://" in out.stderr, out.stderr


# --------------------------------------------------------------------------------------------
# real servers


@pytest.fixture(scope="module", autouse=True)
def frozen(tmp_path_factory):
    """The instructor's side and the workers import one snapshot of ``graders`` (PYTHONPATH), as
    one deployment of the course does: the workers refuse a task whose ``graders`` hash differs
    from the instructor's, and this checkout is edited by others while the tests run."""
    snapshot = tmp_path_factory.mktemp("frozen")
    shutil.copytree(Path(__file__).resolve().parents[1] / "graders", snapshot / "graders",
                    ignore=shutil.ignore_patterns("__pycache__"))
    FROZEN["PYTHONPATH"] = str(snapshot)
    yield snapshot
    FROZEN.clear()


@pytest.fixture(scope="module")
def postgres():
    why = postgres_missing()
    if why:
        pytest.skip(why)
    server = start_postgres()
    yield server
    server.stop()


def _class(course: Path) -> dict[tuple[str, str], str]:
    """A mixed class of PER_ASSIGNMENT submissions per assignment and one spy; {(a, s): kind}."""
    made = {}
    for a in ASSIGNMENTS:
        release = nbformat.read(course / "release" / a / f"{a}.ipynb", as_version=4)
        for student, nb in mixed_class(release, a, PER_ASSIGNMENT, prefix="farm").items():
            submit(course, student, a, nb)
            made[(a, student)] = "class"
    a = ASSIGNMENTS[0]
    nb = build_submission(nbformat.read(course / "release" / a / f"{a}.ipynb", as_version=4), a, None)
    nb.cells.append(nbformat.v4.new_code_cell(SPY))
    submit(course, "spy", a, nb)
    made[(a, "spy")] = "spy"
    return made


def _stock_scores(course: Path, tmp: Path, made: dict[tuple[str, str], str]) -> dict[tuple[str, str, str], float]:
    """Stock `nbgrader autograde` with SQLite, two copies of the course at once (one per core); a
    submission it could not grade (a kernel that did not start in time on a machine loaded by
    others) is graded again by the stock command, as an instructor would, and named if it fails."""
    halves = [list(ASSIGNMENTS[0::2]), list(ASSIGNMENTS[1::2])]

    def grade(i: int) -> dict[tuple[str, str, str], float]:
        copy = tmp / f"stock{i}"
        shutil.copytree(course, copy, ignore=shutil.ignore_patterns("gradebook.db", "autograded", "feedback", ".calc4ml"))
        for a in halves[i]:
            nbgrader(copy, "generate_assignment", a, "--force")
            nbgrader(copy, "autograde", a, "--force", check=False)
        scores = cell_scores(copy, halves[i])
        for a, s in sorted(k for k in made if k[0] in halves[i] and k not in {g[:2] for g in scores}):
            again = nbgrader(copy, "autograde", a, "--student", s, "--force", check=False)
            assert again.returncode == 0, f"stock nbgrader cannot grade {s}/{a}:\n{again.stdout}\n{again.stderr}"
        return cell_scores(copy, halves[i])

    with cf.ThreadPoolExecutor(2) as pool:
        scores: dict[tuple[str, str, str], float] = {}
        for part in pool.map(grade, range(2)):
            scores.update(part)
    return scores


def _tree(pid: int) -> list[psutil.Process]:
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


@pytest.mark.e2e
def test_a_farm_of_two_workers_grades_a_mixed_class_as_stock_nbgrader_does_and_a_killed_worker_costs_nothing(
        tmp_path: Path, postgres) -> None:
    course = make_course(tmp_path / "course")
    for a in ASSIGNMENTS:
        nbgrader(course, "generate_assignment", a, "--force")
    made = _class(course)
    assert len(made) >= 4 * PER_ASSIGNMENT + 1
    stock = _stock_scores(course, tmp_path, made)
    assert {k[:2] for k in stock} == set(made), "stock nbgrader graded every submission"

    shutil.rmtree(course / "autograded", ignore_errors=True)
    (course / "gradebook.db").unlink(missing_ok=True)
    use_postgres(course, postgres.url)
    for a in ASSIGNMENTS:  # the assignments' rows, now in PostgreSQL
        nbgrader(course, "generate_assignment", a, "--force")
    farm = DaskFarm(tmp_path / "dask", env=FROZEN)
    try:
        farm.add_worker(course, jobs=1)
        farm.add_worker(course, jobs=1)
        farm.wait_for_workers(2)
        env = dict(os.environ, PATH=f"{BIN}:{os.environ.get('PATH', '')}", **FROZEN)
        run = subprocess.Popen([str(BIN / "calc4ml"), "--course", str(course), "grade", "--scheduler", farm.address,
                                "--quiet"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        out: dict[str, str] = {}
        reader = threading.Thread(target=lambda: out.update(zip(("stdout", "stderr"), run.communicate())))
        reader.start()

        # kill -9 one worker in the middle of the class, while it grades
        journal = course / JOURNAL
        deadline = time.monotonic() + 1800
        while time.monotonic() < deadline and run.poll() is None and (
                not journal.exists() or len(journal.read_text().splitlines()) < len(made) // 4):
            time.sleep(0.5)
        victim, in_flight = None, []
        while time.monotonic() < deadline and run.poll() is None and victim is None:
            busy = farm.processing()
            for i in range(2):
                if busy.get(f"grader-{i}"):
                    victim, in_flight = i, busy[f"grader-{i}"]
                    break
            time.sleep(0.2)
        assert victim is not None, f"no worker was grading mid-run: {out}\n{farm.logs()}"
        doomed = _tree(farm.worker_pid(victim))
        assert len(doomed) > 3, "the worker, its grading processes and their sandboxes"
        os.kill(farm.worker_pid(victim), signal.SIGKILL)
        killed = {(m["assignment"], m["student"]) for m in map(KEY.match, in_flight) if m}
        assert killed, in_flight
        time.sleep(5)
        left = [p for p in doomed[1:] if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        assert not left, f"the killed worker's processes outlive it: {left}"
        reader.join(timeout=1800)
    finally:
        logs = farm.logs()
        farm.close()
    assert run.returncode == 0, f"{out}\n{logs}"
    n = len(made)
    assert f"graded {n} of {n} submissions" in out["stdout"], out
    assert "canary: the solution notebooks" in out["stdout"], out

    # every submission graded exactly once: one journal line, one gradebook submission, its files
    entries = journal_entries(course)
    assert Counter((e["assignment"], e["student"]) for e in entries) == Counter(made.keys())
    assert all(e["success"] for e in entries)
    assert killed <= set(made) and all(any(e["student"] == s and e["assignment"] == a for e in entries) for a, s in killed)
    from nbgrader.api import Gradebook

    with Gradebook(postgres.url, "calc4ml") as gb:
        for a in ASSIGNMENTS:
            assert sorted(s.student.id for s in gb.find_assignment(a).submissions) == sorted(
                s for (b, s) in made if b == a)
    for a, s in made:
        assert (course / "autograded" / s / a / f"{a}.ipynb").is_file()
        assert (course / "feedback" / s / a / f"{a}.html").is_file()

    # the same grades as stock nbgrader with SQLite, cell by cell
    ours = cell_scores(course, ASSIGNMENTS)
    assert ours == stock
    totals = Counter()
    for (a, s, _), score in ours.items():
        totals[(a, s)] += score
    assert len(set(totals.values())) > 3, "full marks, lost exercises and broken notebooks"

    # no secret reached a kernel: the spy ran, and saw neither the gradebook's URL nor its password
    spy = (course / "autograded" / "spy" / ASSIGNMENTS[0] / f"{ASSIGNMENTS[0]}.ipynb").read_text()
    assert "SPY-ENV" in spy and "SPY-PROC1" in spy
    for path in [*(course / "autograded").rglob("*"), *(course / "feedback").rglob("*")]:
        if path.is_file():
            text = path.read_bytes()
            assert postgres.password.encode() not in text and b"postgresql" not in text, path

    # nbgrader's own export reads the PostgreSQL gradebook
    nbgrader(course, "export", "--to", str(tmp_path / "grades.csv"))
    rows = (tmp_path / "grades.csv").read_text().splitlines()[1:]
    students = {s for _, s in made}
    assert len(rows) == len(students) * len(ASSIGNMENTS)


def _small_class(course: Path, students: list[str]) -> str:
    a = ASSIGNMENTS[0]
    nbgrader(course, "generate_assignment", a, "--force")
    release = nbformat.read(course / "release" / a / f"{a}.ipynb", as_version=4)
    for s in students:
        submit(course, s, a, build_submission(release, a, None))
    return a


@pytest.mark.e2e
def test_a_submission_that_kills_every_worker_it_lands_on_fails_after_n_tries_and_is_named(tmp_path: Path,
                                                                                         postgres) -> None:
    allowed = 1  # distributed.scheduler.allowed-failures: tried allowed + 1 times
    course = make_course(tmp_path / "course")
    use_postgres(course, postgres.new_database("killer"))
    students = ["ann", "bob", "victim"]
    a = _small_class(course, students)
    farm = DaskFarm(tmp_path / "dask", allowed_failures=allowed, env=FROZEN)
    kills: list[str] = []
    stop = threading.Event()

    def kill_whoever_grades_the_victim() -> None:
        # what a submission that brings down its grader does, every time it lands somewhere
        while not stop.is_set():
            try:
                busy = farm.processing()
                pids = farm.worker_pids()
            except Exception:  # noqa: BLE001 - a worker between death and restart
                continue
            for name, keys in busy.items():
                if any((m := KEY.match(k)) and m["student"] == "victim" for k in keys) and name in pids:
                    os.kill(pids[name], signal.SIGKILL)
                    kills.append(name)
                    time.sleep(3)  # the scheduler notices before we look again
            time.sleep(0.3)

    try:
        for _ in range(2):  # one task at a time each: only the victim is on the worker that dies
            farm.add_worker(course, jobs=1, nthreads=1, nanny=True)
        farm.wait_for_workers(2)
        killer = threading.Thread(target=kill_whoever_grades_the_victim, daemon=True)
        killer.start()
        out = calc4ml(course, "grade", "--scheduler", farm.address, "--no-canary", "--no-feedback", "--quiet",
                      check=False, timeout=1200)
        stop.set()
        killer.join(timeout=30)
    finally:
        logs = farm.logs()
        farm.close()
    assert out.returncode == 1, f"{out.stdout}\n{out.stderr}\n{logs}"
    assert len(kills) == allowed + 1, (kills, out.stdout)
    assert f"graded {len(students) - 1} of {len(students)} submissions" in out.stdout, out.stdout
    assert f"FAILED victim / {a}: not graded: every grading worker it was sent to died" in out.stdout, out.stdout
    entries = journal_entries(course)
    assert Counter((e["student"], e["success"]) for e in entries) == Counter(
        {("ann", True): 1, ("bob", True): 1, ("victim", False): 1})


@pytest.mark.e2e
def test_after_the_scheduler_dies_resume_on_a_new_one_grades_each_submission_once(tmp_path: Path, postgres) -> None:
    course = make_course(tmp_path / "course")
    url = postgres.new_database("restart")
    use_postgres(course, url)
    students = [f"s{i}" for i in range(6)]
    a = _small_class(course, students)
    env = dict(os.environ, PATH=f"{BIN}:{os.environ.get('PATH', '')}", **FROZEN)
    farm = DaskFarm(tmp_path / "dask1", env=FROZEN)
    try:
        farm.add_worker(course, jobs=1, nthreads=1)
        farm.wait_for_workers(1)
        run = subprocess.Popen([str(BIN / "calc4ml"), "--course", str(course), "grade", "--scheduler", farm.address,
                                "--no-canary", "--no-feedback", "--quiet"], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
        journal = course / JOURNAL
        deadline = time.monotonic() + 900
        while time.monotonic() < deadline and (not journal.exists() or len(journal.read_text().splitlines()) < 2):
            time.sleep(0.2)
        farm.kill_scheduler()
        first_out, first_err = run.communicate(timeout=600)
    finally:
        farm.close()
    assert run.returncode == 1, first_out + first_err
    assert "the scheduler was lost" in first_out and "--resume" in first_out, first_out
    done_first = {e["student"] for e in journal_entries(course) if e["success"]}
    assert 2 <= len(done_first) < len(students)

    farm = DaskFarm(tmp_path / "dask2", env=FROZEN)
    try:
        farm.add_worker(course, jobs=1)
        farm.wait_for_workers(1)
        resumed = calc4ml(course, "grade", "--scheduler", farm.address, "--no-canary", "--no-feedback", "--quiet",
                          "--resume")
    finally:
        farm.close()
    left = len(students) - len(done_first)
    assert f"graded {left} of {left} submissions" in resumed.stdout, resumed.stdout
    assert f"{len(done_first)} already graded, skipped (--resume)" in resumed.stdout, resumed.stdout
    successes = Counter(e["student"] for e in journal_entries(course) if e["success"])
    assert successes == Counter(students), "each submission graded once"
    from nbgrader.api import Gradebook

    with Gradebook(url, "calc4ml") as gb:
        assert sorted(s.student.id for s in gb.find_assignment(a).submissions) == students
        assert {gb.find_submission(a, s).score for s in students} == {gb.find_assignment(a).max_score}


@pytest.mark.e2e
def test_formgrader_reads_and_overrides_a_postgresql_gradebook_and_export_sees_it(tmp_path: Path, postgres) -> None:
    """nbgrader's formgrader (its REST API, in a real jupyter server on the course) on the
    farm's PostgreSQL gradebook: it lists what autograde wrote, a TA's manual score is stored,
    and `nbgrader export` reports it."""
    from corpus import CORPUS, load_variant
    from nbgrader.api import Gradebook

    course = make_course(tmp_path / "course")
    url = postgres.new_database("formgrader")
    use_postgres(course, url)
    a = ASSIGNMENTS[0]
    nbgrader(course, "generate_assignment", a, "--force")
    release = nbformat.read(course / "release" / a / f"{a}.ipynb", as_version=4)
    submit(course, "ann", a, build_submission(release, a, None))
    submit(course, "bob", a, build_submission(release, a, load_variant(CORPUS / a / "bug_dL_sign.py")))
    nbgrader(course, "autograde", a, "--force")
    with Gradebook(url, "calc4ml") as gb:
        want = {s.student.id: (s.score, s.max_score) for s in gb.find_assignment(a).submissions}
        bob_nb = gb.find_submission_notebook(a, a, "bob").id
    assert want["ann"][0] == want["ann"][1] > want["bob"][0], want

    token, port = secrets.token_hex(16), free_port()
    env = dict(os.environ, PATH=f"{BIN}:{os.environ.get('PATH', '')}")
    log = tmp_path / "server.log"
    with open(log, "w") as out:
        server = subprocess.Popen([str(BIN / "jupyter"), "server", "--no-browser", "--ServerApp.ip=127.0.0.1",
                                   f"--ServerApp.port={port}", f"--IdentityProvider.token={token}",
                                   f"--ServerApp.root_dir={course}", *(["--allow-root"] if os.geteuid() == 0 else [])],
                                  cwd=course, env=env, stdout=out,
                                  stderr=subprocess.STDOUT)

    def call(path: str, body: dict | None = None) -> object:
        req = urllib.request.Request(f"http://127.0.0.1:{port}/formgrader/api/{path}", method="PUT" if body else "GET",
                                     data=json.dumps(body).encode() if body else None,
                                     headers={"Authorization": f"token {token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as resp:
            return json.loads(resp.read())

    try:
        wait_until_up(lambda: call("status"), server, "jupyter server (formgrader)", timeout=120,
                      log_tail=lambda: log.read_text()[-3000:])
        listed = {s["student"]: (s["score"], s["max_score"]) for s in call(f"submissions/{a}")}
        assert listed == want
        grades = {g["name"]: g for g in call(f"grades?submission_id={bob_nb}")}
        lost = [g for g in grades.values() if g["auto_score"] is not None and g["auto_score"] < g["max_score"]]
        assert lost, grades
        override = lost[0]
        stored = call(f"grade/{override['id']}", {"manual_score": override["max_score"]})
        assert stored["manual_score"] == override["max_score"] and stored["auto_score"] == override["auto_score"]
    finally:
        server.terminate()
        server.wait(timeout=60)
    nbgrader(course, "export", "--to", str(tmp_path / "grades.csv"))
    rows = {r["student_id"]: float(r["score"]) for r in csv.DictReader(open(tmp_path / "grades.csv"))}
    gained = override["max_score"] - override["auto_score"]
    assert rows == {"ann": want["ann"][0], "bob": pytest.approx(want["bob"][0] + gained)}


@pytest.mark.e2e
def test_a_worker_that_joins_mid_run_gets_its_share_of_the_class(tmp_path: Path, postgres) -> None:
    """A machine added while the class is graded (deadline night) is used at once: the client
    reads the farm's size again, so the tasks in flight grow from one worker's threads to both."""
    course = make_course(tmp_path / "course")
    use_postgres(course, postgres.new_database("grow"))
    students = [f"g{i}" for i in range(14)]
    a = _small_class(course, students)
    env = dict(os.environ, PATH=f"{BIN}:{os.environ.get('PATH', '')}", **FROZEN)
    farm = DaskFarm(tmp_path / "dask", env=FROZEN)
    peak, seen = 0, set()
    try:
        farm.add_worker(course, jobs=1)  # 2 threads: 3 tasks in flight while it is alone
        farm.wait_for_workers(1)
        run = subprocess.Popen([str(BIN / "calc4ml"), "--course", str(course), "grade", "--scheduler", farm.address,
                                "--no-canary", "--no-feedback", "--quiet"], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
        journal = course / JOURNAL
        while run.poll() is None and not (journal.exists() and journal.read_text().strip()):
            time.sleep(0.2)  # the run has opened the farm with one worker, and graded a first submission
        farm.add_worker(course, jobs=1)
        while run.poll() is None:
            busy = farm.processing()
            peak = max(peak, sum(len(keys) for keys in busy.values()))
            seen |= {name for name, keys in busy.items() if keys}
            time.sleep(0.3)
        out, err = run.communicate()
    finally:
        farm.close()
    assert run.returncode == 0, out + err
    assert f"graded {len(students)} of {len(students)} submissions" in out, out
    assert seen == {"grader-0", "grader-1"}, seen
    assert peak >= 4, f"at most {peak} tasks ran at once: the second worker's threads were not counted"
