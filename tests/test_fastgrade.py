"""`calc4ml grade`: the same grades as stock `nbgrader autograde`, resumable, fast where it is
safe to be (the isolation of kernels forked from one fork server is tests/test_isolation.py)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import nbformat
import pytest

from conftest import BIN, ROOT, full_marks, make_course, nbgrader, submit
from corpus import CORPUS, _hostile, build_submission, load_variant
from graders.assignments import ASSIGNMENTS
from graders.run.fastgrade import JOURNAL, GradeTask, ForkServer, ForkServerKernelManager, journal_entries, longest_first
from graders.report.scores import cell_scores

pytestmark = pytest.mark.e2e

#: per assignment: corpus variants, then broken notebooks (tools/corpus.py _hostile kinds)
MIX = {
    "w1_cost_minimization": (["correct_loops", "bug_dL_sign", "attack_patch_asserts", "attack_kill_everything"], [0, 1]),
    "w2_linear_regression": (["correct_matrix_form", "bug_gd_sequential", "attack_recorder_spoof"], [2]),
    "w3_two_layer_network": (["correct_dot_stable_inplace", "bug_no_sigmoid_derivative", "attack_rigged_arrays"], [3]),
    "w4_newtons_method": (["correct_explicit_inverse_lists", "bug_2d_product", "attack_recorder_spoof"], [1]),
}


def calc4ml(course: Path, *args: str, check: bool = True, **kw) -> subprocess.CompletedProcess:
    env = dict(os.environ, PATH=f"{BIN}:{os.environ.get('PATH', '')}")
    proc = subprocess.run([str(BIN / "calc4ml"), "--course", str(course), *args], env=env, capture_output=True,
                          text=True, timeout=1800, **kw)
    if check and proc.returncode != 0:
        raise AssertionError(f"calc4ml {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture(scope="module")
def mixed_course(tmp_path_factory) -> Path:
    course = make_course(tmp_path_factory.mktemp("fast") / "course")
    for a, (variants, hostile) in MIX.items():
        nbgrader(course, "generate_assignment", a, "--force")
        release = nbformat.read(course / "release" / a / f"{a}.ipynb", as_version=4)
        for name in variants:
            submit(course, name, a, build_submission(release, a, load_variant(CORPUS / a / f"{name}.py")))
        for kind in hostile:
            submit(course, f"broken_{kind}", a, _hostile(release, a, kind))
    # a student's scratch cells failing where visible tests fail: their tracebacks are kept
    a = "w1_cost_minimization"
    nb = build_submission(nbformat.read(course / "release" / a / f"{a}.ipynb", as_version=4), a, None)
    nb.cells += [nbformat.v4.new_code_cell(SCRATCH_CHECK_FAILING), nbformat.v4.new_code_cell(SCRATCH_NUMPY_FAILING)]
    submit(course, "self_checks", a, nb)
    return course


#: Scratch cells copied from a visible test and from numpy's docs, both failing.
SCRATCH_CHECK_FAILING = 'assert_close(L_of_omega(prices_a, prices_b, 0.5), 0.0, name="my guess")'
SCRATCH_NUMPY_FAILING = "np.testing.assert_allclose(dLdOmega(prices_a, prices_b, 0.5), 1.0)"


def test_a_regrade_starts_with_what_took_longest_last_time() -> None:
    tasks = [GradeTask("w1", s, "") for s in ("ann", "bob", "cy", "new")] + [GradeTask("w3", "ann", "")]
    journal = [
        {"assignment": "w1", "student": "ann", "seconds": 9.0},
        {"assignment": "w1", "student": "bob", "seconds": 1.0},
        {"assignment": "w1", "student": "cy", "seconds": 3.0},
        {"assignment": "w1", "student": "ann", "seconds": 2.0},  # the last grading counts
        {"assignment": "w3", "student": "ann", "seconds": 60.0},
        {"assignment": "w1", "student": "cut by a kill"},
    ]
    order = [(t.assignment, t.student) for t in longest_first(tasks, journal)]
    # never graded: the median of its assignment (2.0, after ann); ties keep the given order
    assert order == [("w3", "ann"), ("w1", "cy"), ("w1", "ann"), ("w1", "new"), ("w1", "bob")]
    assert longest_first(tasks, []) == tasks  # no history: the order of find_submissions


def _fresh_gradebook(course: Path) -> None:
    shutil.rmtree(course / "autograded", ignore_errors=True)
    shutil.rmtree(course / ".calc4ml", ignore_errors=True)
    (course / "gradebook.db").unlink(missing_ok=True)
    for a in ASSIGNMENTS:
        nbgrader(course, "generate_assignment", a, "--force")


def _errors_shown(course: Path) -> dict[tuple[str, str, int], list[tuple[str, str, str]]]:
    """Every error output of every autograded notebook (name, value, traceback), by cell."""
    shown = {}
    for path in sorted((course / "autograded").glob("*/*/*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for i, cell in enumerate(nb.cells):
            errors = [(o.ename, o.evalue, "\n".join(o.traceback)) for o in cell.get("outputs", [])
                      if o.output_type == "error"]
            if errors:
                shown[(path.parent.name, path.parent.parent.name, i)] = errors
    return shown


def _totals(scores: dict[tuple[str, str, str], float]) -> dict[tuple[str, str], float]:
    """Each submission's total, ``{(assignment, student): points}``, from ``cell_scores``."""
    totals: dict[tuple[str, str], float] = {}
    for (a, s, _), score in scores.items():
        totals[(a, s)] = totals.get((a, s), 0.0) + score
    return totals


def test_parallel_grades_equal_stock_grades_cell_by_cell(mixed_course: Path) -> None:
    course = mixed_course
    _fresh_gradebook(course)
    for a in ASSIGNMENTS:
        nbgrader(course, "autograde", a, "--force", check=False)
    stock = cell_scores(course, ASSIGNMENTS)
    stock_errors = _errors_shown(course)

    _fresh_gradebook(course)
    out = calc4ml(course, "grade", "--jobs", "2", "--no-feedback", "--quiet")
    ours = cell_scores(course, ASSIGNMENTS)

    n = sum(len(v) + len(h) for v, h in MIX.values()) + 1  # + self_checks
    assert f"graded {n} of {n} submissions" in out.stdout
    assert len({k[:2] for k in stock}) == n, "stock nbgrader graded every submission"
    assert ours == stock
    # and students read the same errors: a kernel forked from the warmed-up fork server formats
    # its tracebacks (visible tests failing inside numpy.testing included) as a fresh one does
    ours_errors = _errors_shown(course)
    scratch = [tb for (a, s, _), errors in stock_errors.items() if s == "self_checks" for _, _, tb in errors]
    assert len(scratch) == 2 and "my guess" in scratch[0] and "Not equal to tolerance" in scratch[1], scratch
    assert ours_errors == stock_errors
    # the run is not trivially equal: it holds full marks, lost exercises and broken notebooks
    assert len(set(_totals(ours).values())) > 3
    # nbgrader's own tools read what we wrote
    nbgrader(course, "export", "--to", str(course / "grades.csv"))
    students = {p.name for p in (course / "submitted").iterdir()}
    import csv

    rows = list(csv.DictReader((course / "grades.csv").read_text().splitlines()))
    assert len(rows) == len(students) * len(ASSIGNMENTS)  # nbgrader lists every student for every assignment
    full = full_marks("w1_cost_minimization")
    row = next(r for r in rows if (r["assignment"], r["student_id"]) == ("w1_cost_minimization", "correct_loops"))
    assert [float(row[k]) for k in ("raw_score", "late_submission_penalty", "score", "max_score")] == [full, 0.0, full, full]
    fb = calc4ml(course, "grade", "w1_cost_minimization", "--student", "correct_loops", "--quiet")
    assert (course / "feedback" / "correct_loops" / "w1_cost_minimization" / "w1_cost_minimization.html").exists(), fb.stdout


def _tree_digest(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(folder)).encode() + p.read_bytes())
    return h.hexdigest()


def test_a_run_killed_with_sigkill_resumes_and_grades_each_submission_once(tmp_path: Path) -> None:
    a = "w1_cost_minimization"
    course = make_course(tmp_path / "course")
    nbgrader(course, "generate_assignment", a, "--force")
    release = nbformat.read(course / "release" / a / f"{a}.ipynb", as_version=4)
    students = [f"s{i}" for i in range(8)]
    for s in students:
        submit(course, s, a, build_submission(release, a, None))
    before = _tree_digest(course / "submitted")

    env = dict(os.environ, PATH=f"{BIN}:{os.environ.get('PATH', '')}")
    run = subprocess.Popen([str(BIN / "calc4ml"), "--course", str(course), "grade", a, "--jobs", "2", "--no-feedback",
                            "--quiet"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    journal = course / JOURNAL
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and (not journal.exists() or len(journal.read_text().splitlines()) < 2):
        time.sleep(0.2)
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    first = [json.loads(l) for l in journal.read_text().splitlines()]
    assert 2 <= len(first) < len(students), "killed in the middle of the class"

    resumed = calc4ml(course, "grade", a, "--jobs", "2", "--no-feedback", "--quiet", "--resume")
    done_first = {e["student"] for e in first if e["success"]}
    assert f"{len(done_first)} already graded, skipped (--resume)" in resumed.stdout
    assert f"graded {len(students) - len(done_first)} of {len(students) - len(done_first)} submissions" in resumed.stdout
    entries = [json.loads(l) for l in journal.read_text().splitlines()]
    assert sorted(e["student"] for e in entries if e["success"]) == students  # each graded once

    scores = cell_scores(course, [a])
    assert {s for (_, s, _) in scores} == set(students)
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "calc4ml") as gb:
        assert len(gb.find_assignment(a).submissions) == len(students)
        assert {gb.find_submission(a, s).score for s in students} == {gb.find_assignment(a).max_score}
    assert _tree_digest(course / "submitted") == before, "no submitted file changed"


async def _run(kc, code: str) -> str:
    chunks: list[str] = []

    def hook(msg):
        if msg["msg_type"] == "stream":
            chunks.append(msg["content"]["text"])
        elif msg["msg_type"] == "error":
            chunks.append("ERROR " + msg["content"]["ename"] + ": " + msg["content"]["evalue"])

    await kc.execute_interactive(code, output_hook=hook, timeout=60)
    return "".join(chunks)


def _in_own_thread(coro):
    """``asyncio.run`` in a thread of its own: playwright's sync API (the browser tests) may hold
    this thread's event loop."""
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


class _FakeChannel:
    """A kernel channel that delivers what the test queued, then says Empty."""

    def __init__(self) -> None:
        self.queue: list[dict] = []

    async def get_msg(self, timeout=None):
        from queue import Empty

        if not self.queue:
            raise Empty
        return self.queue.pop(0)


def test_prompt_wait_asks_again_until_iopub_shows_an_idle_of_its_own() -> None:
    from graders.run.fastgrade import PromptKernelClient

    sent: list[str] = []
    shell, iopub = _FakeChannel(), _FakeChannel()

    def status(msg_id: str, state: str) -> dict:
        return {"msg_type": "status", "parent_header": {"msg_id": msg_id}, "content": {"execution_state": state}}

    class Client(PromptKernelClient):
        def kernel_info(self) -> str:
            msg_id = f"info-{len(sent)}"
            sent.append(msg_id)
            shell.queue.append({"msg_type": "kernel_info_reply", "parent_header": {"msg_id": msg_id}, "content": {}})
            if len(sent) == 2:  # an idle of someone else's request proves nothing
                iopub.queue.append(status("not-ours", "idle"))
            if len(sent) == 3:  # the first two went out before IOPub's SUB socket was connected
                iopub.queue += [status(msg_id, "busy"), status(msg_id, "idle")]
            return msg_id

        async def _async_is_alive(self) -> bool:
            return True

        def _handle_kernel_info_reply(self, msg) -> None:
            self.handled = msg["parent_header"]["msg_id"]

    Client.shell_channel = property(lambda self: shell)  # type: ignore[assignment]
    Client.iopub_channel = property(lambda self: iopub)  # type: ignore[assignment]
    client = Client()
    _in_own_thread(client.wait_for_ready(timeout=10))
    assert sent == ["info-0", "info-1", "info-2"]
    assert client.handled == "info-0"  # the first reply proved the shell channel

    class Dead(Client):
        async def _async_is_alive(self) -> bool:
            return False

    sent.clear()
    shell.queue.clear()
    with pytest.raises(RuntimeError, match="Kernel died before replying to kernel_info"):
        _in_own_thread(Dead().wait_for_ready(timeout=10))


def test_compiled_schemas_raise_what_jsonschema_validate_raises() -> None:
    import jsonschema
    from nbgrader.nbgraderformat.v3 import MetadataValidatorV3

    from graders.run.fastgrade import _CompiledSchemas

    schema = MetadataValidatorV3().schema
    good = {"grade": True, "solution": False, "locked": True, "grade_id": "test_f", "points": 2, "schema_version": 3}
    bads = [dict(good, points="two"), dict(good, grade_id=7), {k: v for k, v in good.items() if k != "locked"},
            dict(good, surplus=1)]
    compiled = _CompiledSchemas()
    checks = []
    compiled._jsonschema = type("Counting", (), {
        "validators": type("V", (), {"validator_for": staticmethod(
            lambda s: checks.append(1) or jsonschema.validators.validator_for(s))}),
        "exceptions": jsonschema.exceptions,
    })
    assert compiled.validate(good, schema) is None
    for bad in bads:
        with pytest.raises(jsonschema.ValidationError) as stock:
            jsonschema.validate(bad, schema)
        with pytest.raises(jsonschema.ValidationError) as ours:
            compiled.validate(bad, schema)
        assert str(ours.value) == str(stock.value)
    assert len(checks) == 1  # the schema was checked once for five validations


def test_shared_engines_keep_every_row_across_gradebooks(tmp_path: Path) -> None:
    from nbgrader.api import Gradebook

    from graders.run.fastgrade import _share_engines

    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    _share_engines()
    _share_engines()  # idempotent: one wrapper, not two
    with Gradebook(url, "calc4ml") as one:
        one.add_student("ada")
        engine = one.engine
    with Gradebook(url, "calc4ml") as two:
        assert two.engine is engine
        assert [s.id for s in two.students] == ["ada"]
        two.add_student("blaise")
    with Gradebook(url.replace("gradebook", "other"), "calc4ml") as other:
        assert other.engine is not engine and other.students == []


async def _ready_and_killed(folder: Path) -> tuple[str, str, dict]:
    from jupyter_client.client import KernelClient

    fork_server = ForkServer()
    ForkServerKernelManager.fork_server = fork_server
    stock_wait = KernelClient._async_wait_for_ready

    async def refuse(*a, **k):
        raise AssertionError("the stock wait_for_ready (0.2 s of IOPub silence) was used")

    KernelClient._async_wait_for_ready = refuse
    try:
        km = ForkServerKernelManager(kernel_name="python3")
        await km.start_kernel(cwd=str(folder))
        kc = km.client()
        kc.start_channels()
        await kc.wait_for_ready(timeout=60)
        out = await _run(kc, "print(6 * 7)")
        pid = km.provisioner.pid
        fork_server.request(op="signal", pid=pid, signal=9)
        polled = fork_server.request(op="poll", pid=pid)  # no pause: the answer came after the death
        kc.stop_channels()
        await km.shutdown_kernel(now=True)
        return type(kc).__name__, out, polled
    finally:
        KernelClient._async_wait_for_ready = stock_wait
        ForkServerKernelManager.fork_server = None
        fork_server.close()


def test_a_forked_kernel_is_used_once_it_answers_and_is_reaped_when_killed(tmp_path: Path) -> None:
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap is not installed (make install installs it as root)")
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        client, out, polled = pool.submit(asyncio.run, _ready_and_killed(tmp_path)).result()
    assert client == "PromptKernelClient"
    assert out.strip() == "42"
    assert polled == {"returncode": -9}


def test_a_first_run_learns_which_assignment_is_heavy_and_ends_on_light_submissions() -> None:
    from graders.run.fastgrade import GradeResult, Scheduler

    tasks = [GradeTask("w1", f"s{i}", "") for i in range(3)] + [GradeTask("w3", f"s{i}", "") for i in range(3)]
    sched = Scheduler(tasks, [])  # no journal
    handed = []

    def take(seconds: float | None) -> None:
        task = sched.next()
        handed.append((task.assignment, task.student))
        if seconds is not None:
            sched.done(GradeResult(task, True, seconds))

    take(1.0)  # unknown assignments first, in the given order: one of w1 measures it ...
    take(60.0)  # ... and one of w3
    take(None), take(None)  # then the heavier assignment drains first
    take(None), take(None)
    assert handed == [("w1", "s0"), ("w3", "s0"), ("w3", "s1"), ("w3", "s2"), ("w1", "s1"), ("w1", "s2")]
    assert sched.next() is None and len(sched) == 0

    # with a journal it hands out what longest_first orders, while nothing is learnt
    journal = [{"assignment": "w1", "student": "s2", "seconds": 90.0}, {"assignment": "w3", "student": "s1", "seconds": 5.0}]
    sched = Scheduler(tasks, journal)
    order = [sched.next() for _ in range(len(tasks))]
    assert order == longest_first(tasks, journal)


def _cell_span(nb_path: Path) -> tuple[float, float]:
    """When the notebook's first cell started and its last cell finished (nbclient's timings)."""
    from datetime import datetime

    nb = nbformat.read(nb_path, as_version=4)
    times = [c.metadata["execution"] for c in nb.cells if c.cell_type == "code" and "execution" in c.metadata]
    stamp = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()  # noqa: E731
    return stamp(times[0]["iopub.execute_input"]), stamp(times[-1]["shell.execute_reply"])


def test_no_more_kernels_run_at_once_than_jobs_while_an_extra_worker_prepares(tmp_path: Path) -> None:
    """--jobs 1: two workers, one kernel slot, so no two notebooks' cells ever run at the same time."""
    a = "w1_cost_minimization"
    course = make_course(tmp_path / "course")
    nbgrader(course, "generate_assignment", a, "--force")
    release = nbformat.read(course / "release" / a / f"{a}.ipynb", as_version=4)
    for i in range(4):
        submit(course, f"s{i}", a, build_submission(release, a, None))
    out = calc4ml(course, "grade", a, "--jobs", "1", "--no-feedback", "--quiet")
    assert "graded 4 of 4 submissions" in out.stdout and "1 kernel at once, 2 workers" in out.stdout, out.stdout
    spans = sorted(_cell_span(course / "autograded" / f"s{i}" / a / f"{a}.ipynb") for i in range(4))
    overlaps = [(x, y) for x, y in zip(spans, spans[1:]) if y[0] < x[1]]
    assert not overlaps, f"two kernels ran cells at once with one slot: {overlaps}"
    assert all(t == full_marks(a) for t in _totals(cell_scores(course, [a])).values())


def test_resume_regrades_what_was_graded_under_since_changed_graders_reference_or_config_and_says_how_many(
        tmp_path: Path) -> None:
    a = "w1_cost_minimization"
    course = make_course(tmp_path / "course")
    # a course folder as the repository holds it, with its graders/ (which the grading then imports)
    shutil.copytree(ROOT / "graders", course / "graders", ignore=shutil.ignore_patterns("__pycache__"))
    nbgrader(course, "generate_assignment", a, "--force")
    release = nbformat.read(course / "release" / a / f"{a}.ipynb", as_version=4)
    for s in ("s0", "s1"):
        submit(course, s, a, build_submission(release, a, None))
    first = calc4ml(course, "grade", a, "--jobs", "2", "--no-feedback", "--quiet")
    assert "graded 2 of 2 submissions" in first.stdout, first.stdout
    assert not (course / "feedback").exists(), "--no-feedback writes none"

    same = calc4ml(course, "grade", a, "--jobs", "2", "--no-feedback", "--quiet", "--resume")
    assert "2 already graded, skipped (--resume)" in same.stdout and "regraded" not in same.stdout, same.stdout

    # a check, the reference, the configuration fixed after the class was graded: what was graded
    # under the old one is graded again
    for part, path in (("graders", course / "graders" / "kernel" / "checks.py"), ("reference", course / "reference" / f"{a}.py"),
                       ("config", course / "nbgrader_config.py")):
        path.write_text(path.read_text() + "\n# a fix\n")
        fixed = calc4ml(course, "grade", a, "--jobs", "2", "--no-feedback", "--quiet", "--resume")
        assert "graded 2 of 2 submissions" in fixed.stdout and "skipped" not in fixed.stdout, fixed.stdout
        assert f"2 regraded because {part} changed since they were graded (--resume)" in fixed.stdout, fixed.stdout
        again = calc4ml(course, "grade", a, "--jobs", "2", "--no-feedback", "--quiet", "--resume")
        assert "2 already graded, skipped (--resume)" in again.stdout and "regraded" not in again.stdout, again.stdout

    # a journal written before course hashes were kept: its lines count as graded under something else
    journal = course / JOURNAL
    old = [json.loads(line) for line in journal.read_text().splitlines()]
    journal.write_text("".join(json.dumps({k: v for k, v in e.items() if k != "course"}) + "\n" for e in old))
    legacy = calc4ml(course, "grade", a, "--jobs", "2", "--no-feedback", "--quiet", "--resume")
    assert "2 regraded because graders/reference/release/config changed since they were graded" in legacy.stdout, \
        legacy.stdout
    assert all(t == full_marks(a) for t in _totals(cell_scores(course, [a])).values())


def test_course_hashes_follow_graders_reference_release_and_config_not_caches(tmp_path: Path) -> None:
    import graders
    from graders.run.fastgrade import COURSE_PARTS, course_hashes, find_submissions

    a = "w1_cost_minimization"
    course = make_course(tmp_path / "course")
    shutil.copytree(ROOT / "graders", course / "graders", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "release" / a, course / "release" / a)
    submit(course, "s0", a, "{}")
    base = dict(course_hashes(course, a))
    assert list(base) == list(COURSE_PARTS) and all(base.values())
    assert find_submissions(course, [a])[0].course == tuple(base.items())  # once per assignment, on every task

    def changed() -> list[str]:
        now = dict(course_hashes(course, a))
        return [part for part in COURSE_PARTS if now[part] != base[part]]

    # caches, checkpoints and non-Python files in graders/ decide nothing
    (course / "graders" / "__pycache__").mkdir(exist_ok=True)
    (course / "graders" / "__pycache__" / "checks.cpython-311.pyc").write_bytes(b"x")
    (course / "reference" / ".ipynb_checkpoints").mkdir()
    (course / "reference" / ".ipynb_checkpoints" / "w1_cost_minimization.py").write_text("x")
    (course / "graders" / "notes.txt").write_text("x")
    assert changed() == []
    # the graders package the grading imports is hashed even where the course has no graders/ of its own
    from graders.run.fastgrade import _graders_dirs
    assert Path(graders.__file__).resolve().parent in _graders_dirs(course)

    for part, path in (("graders", course / "graders" / "assignments" / "w1_cost_minimization.py"),
                       ("reference", course / "reference" / "w1_cost_minimization.py"),
                       ("release", course / "release" / a / f"{a}.ipynb"),
                       ("config", course / "nbgrader_config.py")):
        path.write_text(path.read_text() + "\n# changed\n")
        assert changed() == [part]
        base = dict(course_hashes(course, a))
    (course / "release" / a / "data" / "extra.csv").write_text("1\n")
    assert changed() == ["release"]
    # another assignment's release and reference are not this one's; a shared reference module is
    shutil.copytree(ROOT / "release" / "w2_linear_regression", course / "release" / "w2_linear_regression")
    other = course / "reference" / "w2_linear_regression.py"
    other.write_text(other.read_text() + "\n# changed\n")
    assert changed() == ["release"]
    (course / "reference" / "shared.py").write_text("TOL = 1e-9\n")
    assert changed() == ["reference", "release"]


def test_feedback_is_written_by_the_grading_workers(tmp_path: Path) -> None:
    from graders.run.fastgrade import grade_class

    a = "w1_cost_minimization"
    course = make_course(tmp_path / "course")
    nbgrader(course, "generate_assignment", a, "--force")
    release = nbformat.read(course / "release" / a / f"{a}.ipynb", as_version=4)
    students = ["s0", "s1", "s2"]
    submit(course, "s0", a, build_submission(release, a, None))
    submit(course, "s1", a, build_submission(release, a, load_variant(CORPUS / a / "bug_dL_sign.py")))
    submit(course, "s2", a, build_submission(release, a, None))
    submit(course, "broken", a, "{ not a notebook")  # not graded: no feedback, and no grade lost to it
    seen: dict[str, bool] = {}

    def on_result(r) -> None:  # in the parent, as each submission finishes, long before grade_class returns
        seen[r.task.student] = (course / "feedback" / r.task.student / a / f"{a}.html").exists()

    summary = grade_class(course, [a], jobs=2, feedback=True, on_result=on_result)
    graded = sorted(r.task.student for r in summary.results if r.success)
    assert graded == students, summary.text()
    assert {s: seen[s] for s in graded} == {s: True for s in students}, "the worker wrote it before reporting"
    assert all(r.feedback and not r.feedback_problem for r in summary.results if r.success)
    assert not (course / "feedback" / "broken").exists() and not seen["broken"]
    html = (course / "feedback" / "s1" / a / f"{a}.html").read_text()
    assert "not the slope of L" in html or "dLdOmega" in html
    entries = journal_entries(course)
    assert {e["student"]: e["feedback"] for e in entries} == {"s0": True, "s1": True, "s2": True, "broken": False}


def test_a_feedback_failure_is_reported_and_never_loses_the_grade(monkeypatch) -> None:
    from graders.run import fastgrade

    class Api:
        def __init__(self, feedback) -> None:
            self.feedback = feedback

        def autograde(self, *a, **kw):
            return {"success": True, "log": ""}

        def generate_feedback(self, *a, **kw):
            if isinstance(self.feedback, Exception):
                raise self.feedback
            return self.feedback

    task = GradeTask("w1", "ann", "")
    monkeypatch.setattr(fastgrade, "_FORK_SERVER", None)
    monkeypatch.setattr(fastgrade, "_API", Api({"success": False, "log": "[ERROR] no template 'feedback'"}))
    r = fastgrade._grade_one(task, feedback=True)
    assert r.success and not r.feedback and r.feedback_problem == "no template 'feedback'"
    monkeypatch.setattr(fastgrade, "_API", Api(OSError("disk full")))
    r = fastgrade._grade_one(task, feedback=True)
    assert r.success and not r.feedback and r.feedback_problem == "OSError: disk full"
    summary = fastgrade.GradeSummary(results=[r], seconds=1.0, jobs=1, workers=2)
    assert summary.failed == [] and "graded 1 of 1 submissions" in summary.text()
    assert "feedback FAILED ann / w1 (graded; its grade is saved): OSError: disk full" in summary.text()
    monkeypatch.setattr(fastgrade, "_API", Api({"success": True}))
    assert fastgrade._grade_one(task, feedback=True).feedback
    assert not fastgrade._grade_one(task, feedback=False).feedback
