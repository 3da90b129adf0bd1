"""graders.autograde.pictures: the feedback's pictures (matplotlib's SVG) are well formed, on the right
scale, and show the student's own points, a broken line where they stop being finite."""

from __future__ import annotations

import re
import xml.dom.minidom

import numpy as np

from graders.autograde.pictures import DOTS_BELOW, TITLE_WIDTH, cost_curves

TITLE = "gradient_descent on the course data (normalised), rate 0.1: E where your descent evaluated the gradient"
Runs = list[list[tuple[float, float]]]


def _svg(bundle: dict[str, str]) -> xml.dom.minidom.Document:
    assert set(bundle) == {"image/svg+xml", "text/plain"}
    assert bundle["image/svg+xml"].startswith("<svg "), "inline in HTML: no XML declaration"
    return xml.dom.minidom.parseString(bundle["image/svg+xml"])


def _runs(d: str) -> Runs:
    """The unbroken runs of points of an SVG path's ``d`` (a new ``M`` starts a new run)."""
    runs: Runs = []
    for op, x, y in re.findall(r"([ML])\s*(-?[\d.e+-]+)\s+(-?[\d.e+-]+)", d):
        if op == "M":
            runs.append([])
        runs[-1].append((float(x), float(y)))
    return runs


def _group(doc, gid: str):
    found = [g for g in doc.getElementsByTagName("g") if g.getAttribute("id") == gid]
    assert len(found) <= 1, gid
    return found[0] if found else None


def _series(doc, gid: str) -> Runs:
    """The runs of the line drawn with SVG id ``gid`` (its markers are ``<use>`` elements)."""
    group = _group(doc, gid)
    if group is None:
        return []
    paths = [p for p in group.getElementsByTagName("path") if not p.getAttribute("id")]  # not marker shapes
    return [run for p in paths for run in _runs(p.getAttribute("d"))]


def _dots(doc, gid: str) -> int:
    group = _group(doc, gid)
    return 0 if group is None else len(group.getElementsByTagName("use"))


def _plot_area(doc) -> tuple[float, float, float, float]:
    """(left, top, right, bottom) of the axes' background rectangle."""
    points = _series(doc, "patch_2")[0]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def _texts(doc) -> list[str]:
    return ["".join(n.data for n in t.childNodes if n.nodeType == n.TEXT_NODE) for t in doc.getElementsByTagName("text")]


def test_a_descent_is_drawn_linear_inside_the_plot_area_with_its_title_wrapped():
    yours = 0.5 * np.exp(-np.linspace(0, 5, 300)) + 0.1
    doc = _svg(cost_curves(yours, yours * 0.9, title=TITLE))
    mine, ref = _series(doc, "yours"), _series(doc, "reference")
    # one unbroken line each (matplotlib drops the points a straight segment already passes through)
    assert len(mine) == 1 and len(ref) == 1 and len(mine[0]) >= 10
    assert mine[0][0][0] < mine[0][-1][0] and (mine[0][0][0], mine[0][-1][0]) == (ref[0][0][0], ref[0][-1][0])
    left, top, right, bottom = _plot_area(doc)
    for x, y in (p for run in mine + ref for p in run):
        assert left - 0.1 <= x <= right + 0.1 and top - 0.1 <= y <= bottom + 0.1
    texts = _texts(doc)
    assert "cost" in texts and "iteration" in texts, texts
    assert {"0", "100", "200", "0.2", "0.4", "0.6"} <= set(texts) and "-0" not in texts, texts
    assert any(t.startswith("gradient_descent on the course data") for t in texts)
    assert max(len(t) for t in texts) <= TITLE_WIDTH  # the title is wrapped
    assert {"reference solution", "yours"} <= set(texts)  # the legend
    assert not _dots(doc, "yours"), f"300 points get no dots (only below {DOTS_BELOW})"
    # the student's cost falls, so on screen their first point is above their last
    assert mine[0][0][1] < mine[0][-1][1]


def test_an_exploding_descent_goes_log_scale_and_breaks_where_it_is_not_finite():
    yours = [0.5, 0.58, 2.0, np.inf, 50.0, 1e4]
    bundle = cost_curves(yours, [0.5, 0.3, 0.2, 0.15, 0.12, 0.1], title="uphill <&> 'quoted'")
    doc = _svg(bundle)
    texts = _texts(doc)
    assert "cost (log scale)" in texts
    assert {"0.1", "1", "10", "100", "1e3", "1e4"} <= set(texts), texts
    assert "uphill <&> 'quoted'" in texts  # escaped in the SVG source, read back as written
    assert "<&>" not in bundle["image/svg+xml"]
    assert [len(r) for r in _series(doc, "yours")] == [3, 2]  # broken at the inf
    assert _dots(doc, "yours") == 5  # a dot at each finite point
    assert bundle["text/plain"] == "uphill <&> 'quoted': your cost after the last step 1e+04, the reference's 0.1"


def test_a_log_axis_over_25_decades_labels_at_most_eight_of_them():
    doc = _svg(cost_curves(10.0 ** np.arange(24), [0.5, 0.1, 0.09], title="t"))
    labels = _texts(_group(doc, "matplotlib.axis_2"))  # the y axis
    decades = [t for t in labels if re.fullmatch(r"1e\d+|1|10|100|0\.1", t)]
    assert 2 <= len(decades) <= 8 and decades == labels[:len(decades)] and not any("+" in t for t in labels), labels
    assert {"1", "1e20"} <= set(decades), decades  # from the bottom to the top of 24 decades


def test_nothing_finite_still_draws_the_reference_and_says_so():
    bundle = cost_curves([np.nan, np.nan], [1.0, 0.5], title="t")
    doc = _svg(bundle)
    assert _series(doc, "yours") == [] and [len(r) for r in _series(doc, "reference")] == [2]
    assert bundle["text/plain"] == "t: your cost after the last step not finite, the reference's 0.5"
    assert not re.search(r"nan|inf", bundle["image/svg+xml"], re.I), "no NaN coordinate reaches the SVG"


def test_newton_paths_are_drawn_on_contours_inside_the_frame():
    from graders.autograde.pictures import contour_paths

    f = lambda x, y: x**2 + 3 * y**2  # noqa: E731
    theirs = np.array([[4.0, 4.0], [1.0, 0.5], [0.0, 0.0]])
    yours = np.array([[4.0, 4.0], [3.0, 3.5], [np.nan, np.nan], [2.0, 2.0], [1e9, 1e9]])  # a gap, then a point far out
    bundle = contour_paths(f, yours, theirs, title="a title")
    doc = _svg(bundle)
    assert [len(r) for r in _series(doc, "reference")] == [3]
    assert [len(r) for r in _series(doc, "yours")] == [2, 2]  # broken at the NaN
    assert _dots(doc, "yours") == 4 and _dots(doc, "reference") == 3
    assert len(_series(doc, "contours")) >= 5  # contour lines
    left, top, right, bottom = _plot_area(doc)
    for x, y in _series(doc, "reference")[0]:  # the reference path is framed, not clipped
        assert left <= x <= right and top <= y <= bottom
    assert "a title" in _texts(doc)
    assert bundle["text/plain"] == "a title: your last iterate (1e+09, 1e+09), the reference's (0, 0); 5 points of yours"
