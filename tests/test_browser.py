"""What a student and a TA see, in a real browser (headless Debian Chromium, via Playwright).

* JupyterLab on a copy of the w1 release: the notebook filled with the reference solution runs
  top to bottom with Run → Run All Cells, every visible test passes silently and the plots
  render; the plain release stops at the first visible test with ``NotImplementedError``.
* The feedback HTML of two fictional students, graded by the stock ``nbgrader`` command line,
  renders their score and verdicts and none of the hidden tests; the TA's grade report
  (graders.report) of the same class shows its embedded plots.

Skipped with the reason when /usr/bin/chromium or playwright is missing (tests/browser.py).
Screenshots: artifacts/screenshots/*.png.
"""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from browser import (  # the chromium and chromium_page fixtures come from conftest.py: one browser a session
    TIMEOUT_MS, browser_missing, jupyter_lab, open_in_chromium, rendered_images, screenshot,
)
from conftest import ROOT, make_course, nbgrader
from corpus import build_submission, load_variant

A = "w1_cost_minimization"
RELEASE = ROOT / "release" / A
SOLVED = f"{A}_reference.ipynb"  # beside the release notebook, so "data/prices.csv" resolves the same
W2, LONG_MESSAGE_STUDENT = "w2_linear_regression", "emmy_fictional"
STUDENTS = ("ada_fictional", "blaise_fictional")  # full marks; loses L_of_omega

pytestmark = [pytest.mark.browser, pytest.mark.e2e]  # a browser and a server: slow, not in make check

#: Every cell of the open notebook, in order: type, input prompt, outputs (mime type, text), images.
CELLS_JS = """() => [...document.querySelectorAll('.jp-NotebookPanel .jp-Notebook .jp-Cell')].map(cell => ({
    type: cell.classList.contains('jp-CodeCell') ? 'code' : cell.classList.contains('jp-MarkdownCell') ? 'markdown' : 'raw',
    prompt: (cell.querySelector('.jp-InputArea-prompt')?.textContent ?? '').trim(),
    outputs: [...cell.querySelectorAll('.jp-OutputArea-output')].map(o => ({
        mime: o.getAttribute('data-mime-type') ?? '', text: o.innerText.slice(0, 2000) })),
    images: [...cell.querySelectorAll('.jp-OutputArea-output img')].map(img => img.naturalWidth),
}))"""

#: Run All has finished: the kernel is idle, the first code cell ran, no cell is queued ([*]).
RUN_ALL_DONE_JS = """() => {
    const indicator = document.querySelector('.jp-NotebookPanel .jp-Notebook-ExecutionIndicator');
    const prompts = [...document.querySelectorAll('.jp-NotebookPanel .jp-CodeCell .jp-InputArea-prompt')]
        .map(p => p.textContent.trim());
    return indicator !== null && indicator.dataset.status === 'idle' && prompts.length > 0
        && /^\\[\\d+\\]:$/.test(prompts[0]) && !prompts.some(p => p.includes('*'));
}"""

#: Run All has begun: the first code cell is queued ([*]) or has run ([n]).
RUN_ALL_STARTED_JS = """() => {
    const first = document.querySelector('.jp-NotebookPanel .jp-CodeCell .jp-InputArea-prompt');
    return first !== null && /^\\[(\\*|\\d+)\\]:$/.test(first.textContent.trim());
}"""

KERNEL_READY = re.compile(r"Python 3 \(ipykernel\) \| Idle")
ERROR_MIME = "application/vnd.jupyter.stderr"  # JupyterLab renders tracebacks (and stderr) with it


def _release() -> nbformat.NotebookNode:
    return nbformat.read(RELEASE / f"{A}.ipynb", as_version=4)


def _solved() -> nbformat.NotebookNode:
    """The release with every solution cell holding the reference solution (tools/corpus.py)."""
    return build_submission(_release(), A, load_variant(ROOT / "tests" / "corpus" / A / "correct_reference.py"))


def _grade_ids(nb) -> list[str | None]:
    return [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab on a temporary copy of release/w1_cost_minimization (plus the solved notebook)."""
    reason = browser_missing()
    if reason:
        pytest.skip(reason)
    base = tmp_path_factory.mktemp("lab")
    root = base / A
    shutil.copytree(RELEASE, root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    nbformat.write(_solved(), root / SOLVED)
    (base / "state").mkdir()
    with jupyter_lab(root, base / "state") as server:
        yield server


def _run_all(page, lab, notebook: str, n_cells: int, workspace: str) -> list[dict]:
    """Open ``notebook`` in JupyterLab as a student would, Run → Run All Cells, wait until the
    kernel is idle again, and return what every cell shows."""
    # a workspace of its own: no notebook left open by another test is restored beside it
    page.goto(f"{lab.url}/lab/workspaces/{workspace}/tree/{notebook}?token={lab.token}")
    try:
        page.wait_for_function(
            f"document.querySelectorAll('.jp-NotebookPanel .jp-Notebook .jp-Cell').length === {n_cells}"
        )
        # the status bar names the kernel once the notebook is connected to it ("No Kernel |
        # Initializing" before); the toolbar's execution indicator reads "idle" even earlier, and
        # Run All clicked then runs nothing
        page.locator("#jp-main-statusbar").get_by_text(KERNEL_READY).wait_for()
    except Exception as exc:
        shot = screenshot(page, f"jupyterlab_{workspace}_load_failed")
        raise AssertionError(f"{notebook} did not open with an idle kernel ({exc}); see {shot}\n{lab.log_tail()}")
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.locator("#jp-mainmenu-run .lm-Menu-item[data-command='runmenu:run-all']").click()
    try:
        page.wait_for_function(RUN_ALL_STARTED_JS, timeout=30_000)
    except Exception as exc:
        shot = screenshot(page, f"jupyterlab_{workspace}_run_all_not_started")
        raise AssertionError(f"Run All Cells ran no cell of {notebook} ({exc}); see {shot}\n{lab.log_tail()}")
    try:
        page.wait_for_function(RUN_ALL_DONE_JS, timeout=TIMEOUT_MS)
    except Exception as exc:
        shot = screenshot(page, f"jupyterlab_{workspace}_run_all_timeout")
        raise AssertionError(f"Run All Cells did not finish in {notebook} ({exc}); see {shot}\n{lab.log_tail()}")
    cells = page.evaluate(CELLS_JS)
    assert len(cells) == n_cells, f"the page shows {len(cells)} cells, the notebook has {n_cells}"
    return cells


def _errors(cells: list[dict]) -> dict[int, str]:
    return {i: o["text"] for i, c in enumerate(cells) for o in c["outputs"] if o["mime"] == ERROR_MIME}


def test_reference_solution_passes_every_visible_test_in_jupyterlab(chromium_page, lab):
    nb = _solved()
    page = chromium_page
    cells = _run_all(page, lab, SOLVED, len(nb.cells), "solved")

    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    assert [cells[i]["type"] for i in code] == ["code"] * len(code), "cell types differ from the notebook"
    not_run = {i: cells[i]["prompt"] for i in code if not re.fullmatch(r"\[\d+\]:", cells[i]["prompt"])}
    errors = _errors(cells)
    shot = screenshot(page, "jupyterlab_w1_reference_run_all")
    assert not errors, f"error output in cells {sorted(errors)} (see {shot}):\n" + "\n---\n".join(errors.values())
    assert not not_run, f"code cells that did not run (index: prompt): {not_run}; see {shot}"

    # the visible tests print nothing when they pass (graders.assert_close raises on a mismatch)
    tests = {gid: i for i, gid in enumerate(_grade_ids(nb)) if gid and gid.startswith("test_")}
    assert len(tests) == 7, f"expected the 7 visible test cells of w1, found {sorted(tests)}"
    loud = {gid: cells[i]["outputs"] for gid, i in tests.items() if cells[i]["outputs"]}
    assert not loud, f"visible test cells printed something, so did not pass silently: {loud}"

    # the three plots of the lesson render, and the closing summary is printed
    plots = [i for i, c in enumerate(nb.cells) if "plt.show()" in c.source]
    drawn = {i: cells[i]["images"] for i in plots}
    assert len(plots) == 3 and all(len(w) == 1 and w[0] > 0 for w in drawn.values()), (
        f"each plotting cell should show one decoded image (naturalWidth per cell: {drawn}); see {shot}"
    )
    summary = " ".join(o["text"] for o in cells[code[-1]]["outputs"])
    assert re.search(r"Buy \d+\.\d% from A and \d+\.\d% from B", summary), f"closing summary missing: {summary!r}"

    # the last plot and the summary, as the student sees them at the end of Run All
    page.locator(".jp-NotebookPanel .jp-Cell").nth(code[-1]).scroll_into_view_if_needed()
    screenshot(page, "jupyterlab_w1_reference_run_all")
    assert not page.errors, f"JavaScript errors in JupyterLab: {page.errors}"


def test_release_stops_at_the_first_visible_test_with_not_implemented(chromium_page, lab):
    nb = _release()
    page = chromium_page
    cells = _run_all(page, lab, f"{A}.ipynb", len(nb.cells), "release")

    first_test = _grade_ids(nb).index("test_load_prices")
    cell = page.locator(".jp-NotebookPanel .jp-Cell").nth(first_test)
    cell.locator(".jp-OutputArea-output").first.scroll_into_view_if_needed()
    shot = screenshot(page, "jupyterlab_w1_release_not_implemented")

    errors = _errors(cells)
    assert list(errors) == [first_test], (
        f"expected one error, in the first visible test (cell {first_test}); errors in cells {sorted(errors)}; see {shot}"
    )
    assert "NotImplementedError" in errors[first_test], f"not the student's NotImplementedError: {errors[first_test]!r}"
    assert "load_prices" in errors[first_test], f"the traceback should point at load_prices: {errors[first_test]!r}"
    visible = cell.locator(".jp-OutputArea-output", has_text="NotImplementedError")
    assert visible.is_visible(), f"the NotImplementedError is not visible on screen; see {shot}"
    # Run All stops at the failing cell: nothing after it ran
    later = [i for i in range(first_test + 1, len(nb.cells)) if re.fullmatch(r"\[\d+\]:", cells[i]["prompt"])]
    assert not later, f"cells {later} ran after the failing test; see {shot}"
    assert not page.errors, f"JavaScript errors in JupyterLab: {page.errors}"


# --------------------------------------------------------------------------- feedback HTML


@pytest.fixture(scope="module")
def feedback_course(tmp_path_factory) -> Path:
    """A course copy in which two fictional students' w1 are autograded and given feedback."""
    reason = browser_missing()
    if reason:
        pytest.skip(reason)
    course = make_course(tmp_path_factory.mktemp("feedback_course"))
    nbgrader(course, "generate_assignment", A, "--force")
    for student in STUDENTS:
        shutil.copytree(ROOT / "submitted" / student / A, course / "submitted" / student / A)
    nbgrader(course, "autograde", A, "--force")
    nbgrader(course, "generate_feedback", A, "--force")
    # a message longer than the page is wide: emmy's w2 gradient descent goes uphill
    shutil.copytree(ROOT / "submitted" / LONG_MESSAGE_STUDENT / W2, course / "submitted" / LONG_MESSAGE_STUDENT / W2)
    nbgrader(course, "generate_assignment", W2, "--force")
    nbgrader(course, "autograde", W2, "--student", LONG_MESSAGE_STUDENT, "--force")
    nbgrader(course, "generate_feedback", W2, "--student", LONG_MESSAGE_STUDENT, "--force")
    return course


def _verdicts(course: Path, student: str) -> list[str]:
    """The first line of what each test cell of the autograded notebook shows (✔ or the message)."""
    nb = json.loads((course / "autograded" / student / A / f"{A}.ipynb").read_text())
    lines = []
    for cell in nb["cells"]:
        if not cell["metadata"].get("nbgrader", {}).get("grade"):
            continue
        for out in cell.get("outputs", []):
            text = out.get("evalue") if out["output_type"] == "error" else "".join(out.get("text", ""))
            if text and text.strip():
                lines.append(text.strip().splitlines()[0])
                break
    return lines


@pytest.mark.e2e
@pytest.mark.parametrize("student", STUDENTS)
def test_feedback_html_renders_score_and_verdicts_without_hidden_tests(chromium_page, feedback_course, student):
    course = feedback_course
    html = course / "feedback" / student / A / f"{A}.html"
    assert html.is_file(), f"no feedback page for {student}: {sorted((course / 'feedback').rglob('*.html'))}"
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        sub = gb.find_submission(A, student)
        score, max_score = round(float(sub.score), 2), round(float(sub.max_score), 2)
    verdicts = _verdicts(course, student)
    assert len(verdicts) == 7, f"expected a verdict in each of the 7 test cells of {student}: {verdicts}"

    page = chromium_page
    shot = open_in_chromium(page, html.as_uri(), f"feedback_w1_{student}")
    assert page.title() == A, f"title {page.title()!r}; see {shot}"
    header = page.get_by_text(f"{A} (Score: {score} / {max_score})")
    assert header.is_visible(), f"the score {score} / {max_score} is not shown at the top; see {shot}"
    for line in verdicts:
        assert page.get_by_text(line).first.is_visible(), f"verdict not visible: {line!r}; see {shot}"
    passed = [v for v in verdicts if v.startswith("\u2714")]
    if score == max_score:
        assert len(passed) == 7, f"full marks but not every verdict is a pass: {verdicts}"
    else:
        assert len(passed) < 7, f"{score} / {max_score} but every verdict is a pass: {verdicts}"

    text = page.inner_text("body")
    source = page.content()
    for leak in ("HIDDEN TESTS", "__hidden", "graders.kernel.probe", "probe(", "from reference", "import reference"):
        assert leak not in text and leak not in source, f"the feedback shows hidden-test source: {leak!r}; see {shot}"
    assert not re.search(r"\breference[./]\w", source), f"the feedback names the reference module; see {shot}"

    # the sandboxed kernel plots with Agg (graders/run/sandbox.py), so the page has no plots; any
    # image it does carry must decode
    broken = [img for img in rendered_images(page) if img["naturalWidth"] == 0]
    assert not broken, f"images that do not render: {broken}; see {shot}"
    assert not page.errors, f"JavaScript errors on the feedback page: {page.errors}"


@pytest.mark.e2e
def test_a_long_verdict_wraps_inside_its_box(chromium_page, feedback_course):
    """The hint ends the message's one long line: it must be on screen, not past the box's edge."""
    html = feedback_course / "feedback" / LONG_MESSAGE_STUDENT / W2 / f"{W2}.html"
    page = chromium_page
    shot = open_in_chromium(page, html.as_uri(), f"feedback_w2_{LONG_MESSAGE_STUDENT}")
    widths = page.evaluate("""() => [...document.querySelectorAll('div.output_subarea.output_text pre')]
        .map(pre => ({text: pre.innerText, scroll: pre.scrollWidth, client: pre.clientWidth}))""")
    long = [w for w in widths if "the cost rose after the first step" in w["text"]]
    assert long, f"emmy's uphill-descent verdict is not on the page; see {shot}"
    assert len(long[0]["text"]) > 120, "the message is short enough to fit anyway: this test would prove nothing"
    cut = [w["text"][:80] for w in widths if w["scroll"] > w["client"] + 1]
    assert not cut, f"output text cut off at the right edge of its box: {cut}; see {shot}"
    assert page.get_by_text("step against the gradient").first.is_visible(), f"the hint is not visible; see {shot}"


def test_grade_report_html_renders_its_embedded_plots(chromium_page, feedback_course, tmp_path):
    """graders.report's report.html, on the same graded class: every plot is an embedded PNG
    that the browser decodes at the size it was drawn, and the failed check is listed."""
    from PIL import Image

    from graders.report import write_report

    paths = write_report(feedback_course, tmp_path / "report", [A])
    page = chromium_page
    shot = open_in_chromium(page, paths["html"].as_uri(), "report_w1")
    assert page.title().startswith("Grade report"), f"title {page.title()!r}; see {shot}"
    assert not page.blocked, f"report.html is not self-contained, it asked for {page.blocked}"

    images = rendered_images(page)
    pngs = [p for p in paths.values() if p.suffix == ".png"]
    assert len(images) == len(pngs) >= 3, f"{len(images)} <img> on the page, {len(pngs)} plots written: {images}"
    assert all(img["src"].startswith("data:image/png;base64,") for img in images), f"not embedded: {images}"
    broken = [img for img in images if img["naturalWidth"] == 0 or not img["visible"]]
    assert not broken, f"plots that do not render: {broken}; see {shot}"
    drawn = sorted(Image.open(p).size[0] for p in pngs)
    assert sorted(img["naturalWidth"] for img in images) == drawn, (
        f"decoded widths {[img['naturalWidth'] for img in images]} differ from the PNGs written {drawn}"
    )
    failed = page.get_by_text("L_of_omega on the course data").first
    assert failed.is_visible(), f"blaise_fictional's failed check is not listed; see {shot}"
    assert not page.errors, f"JavaScript errors on the report: {page.errors}"


# --------------------------------------------------------------------------- the shared helper


def _png_base64() -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(2, 1.5), dpi=50)
    ax.plot([0, 1, 2], [0, 1, 4])
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def test_open_in_chromium_tells_decoded_images_from_broken_ones(chromium_page, tmp_path):
    """The helper a report test uses: an embedded base64 PNG decodes, a corrupt one does not."""
    page = tmp_path / "report.html"
    page.write_text(
        "<!doctype html><html><head><meta charset='utf-8'><title>images</title></head><body>"
        f"<h1>Report</h1><img alt='good' src='data:image/png;base64,{_png_base64()}'>"
        "<img alt='broken' src='data:image/png;base64,iVBORw0KGgoAAAAA'></body></html>"
    )
    shot = open_in_chromium(chromium_page, page.as_uri(), "helper_embedded_png")
    assert shot.is_file() and shot.stat().st_size > 0
    images = rendered_images(chromium_page)
    widths = [img["naturalWidth"] for img in images]
    assert widths == [100, 0], f"naturalWidth of the good and the broken image: {widths} ({images})"
