"""A term on JupyterHub, end to end: real Unix users, nbgrader's exchange, a real browser.

* ``test_bad_submissions_through_the_exchange``: students (real users, the students' env) hand in
  what is not a notebook, an empty file, 200 MB, a folder without the notebook, an assignment
  that does not exist; one submits twice and the second counts. Each gets nbgrader's message where nbgrader gives one (at submit), the
  instructor gets one line per student from ``calc4ml collect`` and ``calc4ml grade``, and the
  student who submitted a good notebook beside them is graded as usual.
* ``test_a_term_on_jupyterhub`` (headless Chromium): a student logs into the hub, fetches w1
  from the Assignments tab, fills in the solutions, validates and submits; a second submits a
  buggy notebook; a third submits after the due date. The instructor collects, grades
  (``calc4ml grade``) and releases feedback; the students fetch it and see their scores and the
  grader's messages, the late one the penalty. A TA overrides a score in Formgrader; ``nbgrader
  export``, ``calc4ml report`` and its LMS CSV show it. Screenshots: artifacts/screenshots/hub_*.png.

Real components, started and stopped here (tests/hub.py): JupyterHub with node's
configurable-http-proxy on loopback, LocalProcessSpawner, DummyAuthenticator (tests only).
Skipped, printing why, when they cannot run (not root, no npm/proxy, no Chromium, ...).
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import nbformat
import pytest

from conftest import BIN, ROOT, make_course
from corpus import build_submission, load_variant
from hub import hub_missing, running_hub, student_env, unix_users, world_readable_tmpdir

A = "w1_cost_minimization"
NB = f"{A}.ipynb"
CORPUS = ROOT / "tests" / "corpus" / A

pytestmark = pytest.mark.e2e


def _skip_unless_hub(**kw) -> None:
    reason = hub_missing(**kw)
    if reason:
        print(f"SKIPPED (JupyterHub tests): {reason}")
        pytest.skip(reason)


def calc4ml(course: Path, exchange: Path, *args: str, check: bool = True, timeout: float = 1800) -> subprocess.CompletedProcess:
    """The instructor's command line in ``course``, the exchange at ``exchange``."""
    env = dict(os.environ, PATH=f"{BIN}:{os.environ.get('PATH', '')}", CALC4ML_EXCHANGE=str(exchange))
    proc = subprocess.run([str(BIN / "calc4ml"), *args], cwd=course, env=env, capture_output=True, text=True,
                          timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"calc4ml {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def nbgrader_as_instructor(course: Path, exchange: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PATH=f"{BIN}:{os.environ.get('PATH', '')}", CALC4ML_EXCHANGE=str(exchange))
    proc = subprocess.run([str(BIN / "nbgrader"), *args], cwd=course, env=env, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, f"nbgrader {' '.join(args)}:\n{proc.stdout}\n{proc.stderr}"
    return proc


def variant_notebook(name: str) -> nbformat.NotebookNode:
    release = nbformat.read(ROOT / "release" / A / NB, as_version=4)
    return build_submission(release, A, load_variant(CORPUS / f"{name}.py"))


def write_as(user: str, path: Path, data: bytes | str) -> None:
    """Write a file into a user's home as that user would (owned by them)."""
    import pwd

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    entry = pwd.getpwnam(user)
    os.chown(path, entry.pw_uid, entry.pw_gid)


@pytest.fixture(scope="module")
def term(tmp_path_factory):
    """A course with w1 generated, and an empty exchange, in a folder other users can enter."""
    _skip_unless_hub(instructors=False)
    base = world_readable_tmpdir("calc4ml-term-")
    course = make_course(base / "course")
    exchange = base / "exchange"
    calc4ml(course, exchange, "release", A)
    yield base, course, exchange
    import shutil

    shutil.rmtree(base, ignore_errors=True)


# --------------------------------------------------------------------------------------------


def test_bad_submissions_through_the_exchange(term, tmp_path):
    base, course, exchange = term
    out = calc4ml(course, exchange, "release", A, "--publish", "--force")
    assert f"published {A}" in out.stdout and "due 2027-01-18 23:59 UTC" in out.stdout, out.stdout
    assert oct(exchange.stat().st_mode & 0o7777) == "0o1777"
    inbound = exchange / "calc4ml" / "inbound"
    assert oct(inbound.stat().st_mode & 0o777) == "0o733", "students must not list each other's submissions"
    env = student_env()

    kinds = ("good", "notnb", "empty", "huge", "nonb", "ghost")
    with unix_users(len(kinds), prefix="bad", home_base=base) as names:
        who = dict(zip(kinds, names))
        from hub import run_as

        class hub:  # the students in a terminal of the server, no hub needed
            run_as = staticmethod(lambda user, cmd, **kw: run_as(user, cmd, bin_dir=env / "bin", exchange=exchange, **kw))

        for user in names:
            out = hub.run_as(user, ["nbgrader", "fetch_assignment", A])
            assert (Path(f"{base}/{user}") / A / NB).exists(), out.stderr
        home = {k: base / u / A for k, u in who.items()}
        # the good student submits twice before the due date: the second replaces the first
        write_as(who["good"], home["good"] / NB, nbformat.writes(variant_notebook("bug_dL_sign")))
        first = hub.run_as(who["good"], ["nbgrader", "submit", A])
        time.sleep(1.1)  # a later timestamp
        write_as(who["good"], home["good"] / NB, nbformat.writes(variant_notebook("correct_reference")))
        write_as(who["notnb"], home["notnb"] / NB, "my answers: omega = 0.5, the derivative is 2x\n")
        write_as(who["empty"], home["empty"] / NB, b"")
        (home["nonb"] / NB).unlink()
        write_as(who["nonb"], home["nonb"] / "homework.pdf", b"%PDF-1.4\n")
        big = home["huge"] / "data" / "outputs.npy"  # 200 MB (sparse: the size counts, not the disk)
        write_as(who["huge"], big, b"")
        os.truncate(big, 200 * 1000 * 1000)

        results = {k: hub.run_as(who[k], ["nbgrader", "submit", A], check=False) for k in ("good", "notnb", "empty", "huge", "nonb")}
        said = {k: r.stdout + r.stderr for k, r in results.items()}
        assert results["good"].returncode == 0 and first.returncode == 0, said["good"]
        # nbgrader refuses these at submit, with its own message to the student
        assert results["huge"].returncode != 0 and "Directory size is too big" in said["huge"], said["huge"]
        assert results["nonb"].returncode != 0 and "missing notebooks" in said["nonb"] and NB in said["nonb"], said["nonb"]
        # an assignment that was never released
        ghost_dir = base / who["ghost"] / "w9_does_not_exist"
        write_as(who["ghost"], ghost_dir / "w9_does_not_exist.ipynb", nbformat.writes(variant_notebook("correct_reference")))
        ghost = hub.run_as(who["ghost"], ["nbgrader", "submit", "w9_does_not_exist"], check=False)
        assert ghost.returncode != 0 and "w9_does_not_exist" in ghost.stdout + ghost.stderr, ghost.stdout + ghost.stderr
        fetch_ghost = hub.run_as(who["ghost"], ["nbgrader", "fetch_assignment", "w9_does_not_exist"], check=False)
        assert fetch_ghost.returncode != 0 and "not found" in (fetch_ghost.stdout + fetch_ghost.stderr).lower()
        # a student cannot read another's submission in the exchange
        peek = hub.run_as(who["notnb"], ["ls", str(inbound)], check=False)
        assert peek.returncode != 0 and who["good"] not in peek.stdout

        # the instructor: one line per submission that cannot be graded, the rest collected
        collected = calc4ml(course, exchange, "collect", A)
        text = collected.stdout
        assert f"{who['notnb']}: {A} cannot be graded: {NB}: not a notebook" in text, text
        assert f"{who['empty']}: {A} cannot be graded: {NB}: empty file" in text, text
        assert who["good"] not in text.split("\n", 1)[1], text
        assert not any(who[k] in text for k in ("huge", "nonb", "ghost")), text  # nothing of theirs arrived
        unknown = calc4ml(course, exchange, "collect", "w9_does_not_exist", check=False)
        assert unknown.returncode == 2 and "no assignment 'w9_does_not_exist'" in unknown.stderr

        graded = calc4ml(course, exchange, "grade", A, "--no-canary", check=False)
        report = graded.stdout + graded.stderr
        assert f"FAILED {who['notnb']} / {A}" in report and f"FAILED {who['empty']} / {A}" in report, report
        assert f"FAILED {who['good']}" not in report, report
        from nbgrader.api import Gradebook

        with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
            assert gb.find_submission(A, who["good"]).score == 12.0  # the last submission counts


# --------------------------------------------------------------------------------------------


def test_late_policy_and_ta_overrides_reach_the_report(tmp_path):
    """The late policy by the started day, and a formgrader override (a manual score and a
    comment in the gradebook, as formgrader stores them) in nbgrader's export and the LMS CSV."""
    from graders.exchange import late_fraction
    from graders.report import write_report

    day = 24 * 3600
    assert [late_fraction(s) for s in (0, 1, day, day + 1, 2 * day, 5 * day - 1, 6 * day, 7 * day, 7 * day + 1)] == [
        0.0, 0.1, 0.1, 0.2, 0.2, 0.5, 0.5, 0.5, 1.0]

    course = make_course(tmp_path / "course")
    exchange = tmp_path / "exchange"
    calc4ml(course, exchange, "release", A)
    due = datetime(2027, 1, 18, 23, 59, tzinfo=timezone.utc)
    stamps = {"ontime_fictional": due - timedelta(hours=1), "late3_fictional": due + timedelta(days=2, hours=1),
              "late9_fictional": due + timedelta(days=9)}
    for student, when in stamps.items():
        folder = course / "submitted" / student / A
        folder.mkdir(parents=True)
        nbformat.write(variant_notebook("correct_reference"), folder / NB)
        (folder / "timestamp.txt").write_text(when.strftime("%Y-%m-%d %H:%M:%S.%f UTC"))
    calc4ml(course, exchange, "grade", A, "--no-canary", "--no-feedback")
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:  # what formgrader writes
        grade = gb.find_grade("test_L_of_omega", NB.removesuffix(".ipynb"), A, "ontime_fictional")
        grade.manual_score = 1.0
        comment = gb.find_comment("L_of_omega", NB.removesuffix(".ipynb"), A, "ontime_fictional")  # the solution cell
        comment.manual_comment = "reviewed by hand: see the office hours"
        gb.db.commit()
    nbgrader_as_instructor(course, exchange, "export", "--to", str(tmp_path / "grades.csv"))
    export = {r["student_id"]: r for r in csv.DictReader(open(tmp_path / "grades.csv"))}
    paths = write_report(course, tmp_path / "report")
    lms = {r["student_id"]: r for r in csv.DictReader(open(paths["lms"]))}

    full = 12.0
    assert float(export["ontime_fictional"]["score"]) == float(lms["ontime_fictional"]["score"]) == full - 1.0
    assert lms["ontime_fictional"]["ta_overrides"].startswith("test_L_of_omega: 2 -> 1")
    assert "office hours" in lms["ontime_fictional"]["ta_overrides"]
    assert float(lms["late3_fictional"]["late_penalty"]) == pytest.approx(0.3 * full)  # 2 d 1 h: 3 started days
    assert float(lms["late3_fictional"]["score"]) == pytest.approx(0.7 * full)
    assert float(export["late3_fictional"]["late_submission_penalty"]) == pytest.approx(0.3 * full)
    assert float(lms["late9_fictional"]["score"]) == 0.0
    assert lms["late9_fictional"]["duedate"].startswith("2027-01-18 23:59:00")
    page = paths["html"].read_text()
    assert "TA overrides" in page and "reviewed by hand" in page


# --------------------------------------------------------------------------------------------
# The term in a real browser

BUGGY = "bug_dL_sign"  # dLdOmega's sign: a visible test and a hidden check fail, the rest scores


def _shot(page, name: str) -> Path:
    from browser import screenshot

    return screenshot(page, f"hub_{name}")


def open_assignment_list(page, hub, user: str) -> None:
    """Nbgrader → Assignment List, as a student finds it in JupyterLab's menu bar."""
    page.goto(hub.user_url(user, "lab"))
    page.wait_for_selector("#jp-main-dock-panel")
    page.get_by_role("menuitem", name="Nbgrader", exact=True).click()
    page.get_by_role("menuitem", name="Assignment List").click()
    page.wait_for_selector("#released_assignments_list")


def row_button(page, listing: str, label: str):
    """The button ``label`` on w1's row in one of the Assignments tab's lists."""
    row = page.locator(f"#{listing} .list_item").filter(has_text=A).first
    return row.get_by_role("button", name=label, exact=True)


def fetch_from_tab(page, hub, user: str, step: str) -> None:
    open_assignment_list(page, hub, user)
    button = row_button(page, "released_assignments_list", "Fetch")
    button.wait_for()
    _shot(page, f"{step}_released")
    button.click()
    page.locator("#fetched_assignments_list .list_item").filter(has_text=A).first.wait_for()


def validate_in_notebook(page, hub, user: str, step: str) -> str:
    """Open the fetched notebook and press nbgrader's Validate button; return the dialog's text."""
    page.goto(hub.user_url(user, f"lab/tree/{A}/{NB}"))
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell")
    page.locator(".jp-NotebookPanel-toolbar").get_by_role("button", name="Validate").click()
    dialog = page.locator(".nbgrader-SuccessDialog, .nbgrader-ErrorDialog")
    dialog.wait_for(timeout=300_000)
    text = dialog.inner_text()
    _shot(page, f"{step}_validate")
    dialog.get_by_role("button").last.click()
    return text


def submit_from_tab(page, hub, user: str, step: str) -> None:
    open_assignment_list(page, hub, user)
    row_button(page, "fetched_assignments_list", "Submit").click()
    page.locator("#submitted_assignments_list .list_item").filter(has_text=A).first.wait_for()
    _shot(page, f"{step}_submitted")


def type_solutions(page, hub, user: str, nb: nbformat.NotebookNode) -> None:
    """Write each solution cell's code into JupyterLab's editor (selected, then replaced by
    inserted text, as a paste does), then save with Ctrl+S."""
    page.goto(hub.user_url(user, f"lab/tree/{A}/{NB}"))
    cells = page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell")
    cells.nth(len(nb.cells) - 1).wait_for()
    for i, cell in enumerate(nb.cells):
        if not cell.metadata.get("nbgrader", {}).get("solution"):
            continue
        editor = cells.nth(i).locator(".cm-content")
        editor.click()
        page.keyboard.press("Control+a")
        page.keyboard.insert_text(cell.source)
    page.keyboard.press("Escape")
    page.keyboard.press("Control+s")
    page.wait_for_function("() => !document.querySelector('.jp-mod-current.jp-mod-dirty, .lm-TabBar-tab.jp-mod-dirty')")


def read_feedback(page, hub, user: str, step: str) -> str:
    """Fetch Feedback in the Assignments tab, then open the feedback page it brought."""
    open_assignment_list(page, hub, user)
    row_button(page, "submitted_assignments_list", "Fetch Feedback").click()
    home = Path(hub.base).parent / user  # homes are below the term's folder
    deadline = time.monotonic() + 60
    while not list((home / A / "feedback").glob(f"*/{A}.html")) and time.monotonic() < deadline:
        time.sleep(0.5)
    found = sorted((home / A / "feedback").glob(f"*/{A}.html"))
    assert found, f"no feedback fetched into {home / A / 'feedback'}"
    _shot(page, f"{step}_feedback_fetched")
    stamp = found[-1].parent.name
    page.goto(hub.user_url(user, f"files/{A}/feedback/{stamp}/{A}.html"))
    page.wait_for_selector("body")
    _shot(page, f"{step}_feedback")
    return page.inner_text("body")


@pytest.mark.browser
def test_a_term_on_jupyterhub(tmp_path, chromium):
    _skip_unless_hub()
    from browser import browser_missing

    reason = browser_missing()
    if reason:
        print(f"SKIPPED (JupyterHub browser test): {reason}")
        pytest.skip(reason)
    from nbgrader.api import Gradebook
    from browser import TIMEOUT_MS, VIEWPORT

    base = world_readable_tmpdir("calc4ml-hubterm-")
    course = make_course(base / "course")
    exchange = base / "exchange"
    calc4ml(course, exchange, "release", A, "--publish")
    solved, buggy = variant_notebook("correct_reference"), variant_notebook(BUGGY)
    import pwd
    import shutil

    try:
        with unix_users(3, prefix="stu", home_base=base) as students, \
                unix_users(1, prefix="ta", home_base=base) as (ta,), \
                running_hub(base / "hub", students=students, instructors=[ta], course=course,
                            exchange=exchange) as hub:
            # the session's browser (tests/browser.py): a second sync_playwright() in the same
            # session fails ("Sync API inside the asyncio loop") once the first one runs
            browser = chromium

            def page_of(user: str):
                context = browser.new_context(viewport=VIEWPORT)
                context.set_default_timeout(TIMEOUT_MS)
                page = context.new_page()
                hub.login(page, user)
                return page

            ada, blaise, carl = students
            # 1. ada: fetch, fill in the solutions in JupyterLab, validate, submit
            page = page_of(ada)
            _shot(page, "01_student_lab")
            fetch_from_tab(page, hub, ada, "02_ada")
            type_solutions(page, hub, ada, solved)
            saved = nbformat.read(base / ada / A / NB, as_version=4)
            typed = [c.source.strip() for c in saved.cells if c.metadata.get("nbgrader", {}).get("solution")]
            assert typed == [c.source.strip() for c in solved.cells if c.metadata.get("nbgrader", {}).get("solution")]
            said = validate_in_notebook(page, hub, ada, "03_ada")
            assert "Success! Your notebook passes all the tests." in said, said
            submit_from_tab(page, hub, ada, "04_ada")

            # 2. blaise: a wrong sign in dLdOmega; Validate says which test fails and why
            page_b = page_of(blaise)
            fetch_from_tab(page_b, hub, blaise, "05_blaise")
            write_as(blaise, base / blaise / A / NB, nbformat.writes(buggy))
            said = validate_in_notebook(page_b, hub, blaise, "06_blaise")
            assert "dLdOmega" in said and "wrong value" in said, said
            submit_from_tab(page_b, hub, blaise, "07_blaise")

            # 3. the due date passes; carl submits a correct notebook after it
            time.sleep(2)  # blaise's timestamp is before the due date, carl's (below) after it
            due = datetime.now(timezone.utc)
            with open(course / "nbgrader_config.py", "a") as cfg:
                cfg.write(f'\nc.DueDates.dates["{A}"] = "{due:%Y-%m-%d %H:%M:%S} UTC"  # test: the due date passed\n')
            page_c = page_of(carl)
            fetch_from_tab(page_c, hub, carl, "08_carl")
            write_as(carl, base / carl / A / NB, nbformat.writes(solved))
            submit_from_tab(page_c, hub, carl, "09_carl_late")

            # 4. the instructor: collect, grade (calc4ml grade, canary first), release feedback
            out = calc4ml(course, exchange, "collect", A).stdout
            assert "3 new or newer submission(s)" in out and "cannot be graded" not in out, out
            graded = calc4ml(course, exchange, "grade", A)
            assert "graded 3 of 3 submissions" in graded.stdout, graded.stdout + graded.stderr
            calc4ml(course, exchange, "feedback", A)
            with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
                scores = {s: (gb.find_submission(A, s).score, gb.find_submission(A, s).late_submission_penalty)
                          for s in students}
            assert scores[ada] == (12.0, 0.0) and scores[blaise] == (9.0, 0.0), scores
            assert scores[carl][0] == 12.0 and scores[carl][1] == pytest.approx(1.2), scores  # 10%: 1 started day

            # 5. the students fetch their feedback and read it
            text = read_feedback(page, hub, ada, "10_ada")
            assert "Score: 12.0 / 12.0" in text, text[:2000]
            text = read_feedback(page_b, hub, blaise, "11_blaise")
            assert "Score: 9.0 / 12.0" in text and "dLdOmega" in text, text[:3000]
            assert "BEGIN HIDDEN TESTS" not in text

            # 6. a TA overrides blaise's dLdOmega test in Formgrader
            for path in [course, *course.rglob("*")]:
                os.chown(path, pwd.getpwnam(ta).pw_uid, pwd.getpwnam(ta).pw_gid)
            with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
                sub_id = gb.find_submission_notebook(A, A, blaise).id
            page_t = page_of(ta)
            page_t.goto(hub.user_url(ta, "formgrader"))
            page_t.wait_for_selector("body")
            _shot(page_t, "12_ta_formgrader")
            page_t.goto(hub.user_url(ta, f"formgrader/submissions/{sub_id}/?index=0"))
            box = page_t.locator("input.score#test_dLdOmega")
            box.wait_for()
            box.fill("2")
            page_t.locator("textarea#dLdOmega-comment").fill("Sign slip only: the derivation is right. 2 of 3 points.")
            page_t.keyboard.press("Tab")
            page_t.wait_for_timeout(1500)  # formgrader saves on change
            _shot(page_t, "13_ta_override")
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
                    if gb.find_submission(A, blaise).score == 11.0:
                        break
                time.sleep(0.5)

            nbgrader_as_instructor(course, exchange, "export", "--to", str(tmp_path / "grades.csv"))
            export = {r["student_id"]: r for r in csv.DictReader(open(tmp_path / "grades.csv"))}
            assert float(export[blaise]["score"]) == 11.0, export[blaise]
            report = calc4ml(course, exchange, "report", "--out", str(tmp_path / "report"))
            lms = {r["student_id"]: r for r in csv.DictReader(open(tmp_path / "report" / "lms_grades.csv"))}
            assert float(lms[blaise]["score"]) == 11.0 and "test_dLdOmega: 0 -> 2" in lms[blaise]["ta_overrides"], lms
            assert "Sign slip only" in lms[blaise]["ta_overrides"]
            assert float(lms[carl]["late_penalty"]) == pytest.approx(1.2) and float(lms[carl]["score"]) == pytest.approx(10.8)
            assert float(lms[ada]["score"]) == 12.0, report.stdout
    finally:
        shutil.rmtree(base, ignore_errors=True)
