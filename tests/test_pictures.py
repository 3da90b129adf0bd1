"""graders.autograde.pictures: the feedback's cost-curve SVG is well formed, on the right scale, and shows
the student's own points, a broken line where they stop being finite."""

from __future__ import annotations

import re
import xml.dom.minidom

import numpy as np

from graders.autograde.pictures import DOTS_BELOW, MARGIN, SIZE, cost_curves

TITLE = "gradient_descent on the course data (normalised), rate 0.1: E where your descent evaluated the gradient"


def _svg(bundle: dict[str, str]) -> xml.dom.minidom.Document:
    assert set(bundle) == {"image/svg+xml", "text/plain"}
    return xml.dom.minidom.parseString(bundle["image/svg+xml"])


def _polylines(doc) -> dict[str, list[list[tuple[float, float]]]]:
    lines: dict[str, list[list[tuple[float, float]]]] = {}
    for pl in doc.getElementsByTagName("polyline"):
        pts = [tuple(float(v) for v in p.split(",")) for p in pl.getAttribute("points").split()]
        lines.setdefault(pl.getAttribute("stroke"), []).append(pts)
    return lines


def _texts(doc) -> list[str]:
    return ["".join(n.data for n in t.childNodes) for t in doc.getElementsByTagName("text")]


def test_a_descent_is_drawn_linear_inside_the_plot_area_with_its_title_wrapped():
    yours = 0.5 * np.exp(-np.linspace(0, 5, 300)) + 0.1
    doc = _svg(cost_curves(yours, yours * 0.9, title=TITLE))
    lines = _polylines(doc)
    assert [len(r) for r in lines["#d62728"]] == [300] and [len(r) for r in lines["#999999"]] == [300]
    width, height = SIZE
    for runs in lines.values():
        for x, y in (p for run in runs for p in run):
            assert MARGIN["left"] - 0.1 <= x <= width - MARGIN["right"] + 0.1
            assert MARGIN["top"] - 0.1 <= y <= height - MARGIN["bottom"] + 0.1
    texts = _texts(doc)
    assert "cost" in texts and "iteration" in texts, texts
    assert {"0", "100", "200", "0.2", "0.4", "0.6"} <= set(texts) and "-0" not in texts, texts
    assert any(t.startswith("gradient_descent on the course data") for t in texts)
    assert max(len(t) for t in texts) <= 68  # the title is wrapped
    assert not doc.getElementsByTagName("circle"), f"300 points get no dots (only below {DOTS_BELOW})"
    # the student's cost falls, so on screen their first point is above their last
    assert lines["#d62728"][0][0][1] < lines["#d62728"][0][-1][1]


def test_an_exploding_descent_goes_log_scale_and_breaks_where_it_is_not_finite():
    yours = [0.5, 0.58, 2.0, np.inf, 50.0, 1e4]
    bundle = cost_curves(yours, [0.5, 0.3, 0.2, 0.15, 0.12, 0.1], title="uphill <&> 'quoted'")
    doc = _svg(bundle)
    texts = _texts(doc)
    assert "cost (log scale)" in texts
    assert {"0.1", "1", "10", "100", "1e3", "1e4"} <= set(texts), texts
    assert "uphill <&> 'quoted'" in texts  # escaped in the SVG source, read back as written
    assert "<&>" not in bundle["image/svg+xml"]
    assert [len(r) for r in _polylines(doc)["#d62728"]] == [3, 2]  # broken at the inf
    assert len(doc.getElementsByTagName("circle")) == 5  # a dot at each finite point
    assert bundle["text/plain"] == "uphill <&> 'quoted': your cost after the last step 1e+04, the reference's 0.1"


def test_a_log_axis_over_25_decades_labels_at_most_eight_of_them():
    texts = _texts(_svg(cost_curves(10.0 ** np.arange(24), [0.5, 0.1, 0.09], title="t")))
    decades = [t for t in texts if re.fullmatch(r"1e\d+|1|10|100|0\.1", t)]
    assert 2 <= len(decades) <= 8 and "1e18" in decades and not any("+" in t for t in texts), texts


def test_nothing_finite_still_draws_the_reference_and_says_so():
    bundle = cost_curves([np.nan, np.nan], [1.0, 0.5], title="t")
    doc = _svg(bundle)
    assert "#d62728" not in _polylines(doc) and len(_polylines(doc)["#999999"]) == 1
    assert bundle["text/plain"] == "t: your cost after the last step not finite, the reference's 0.5"
    assert not re.search(r"nan|inf", bundle["image/svg+xml"], re.I), "no NaN coordinate reaches the SVG"


def test_newton_paths_are_drawn_on_contours_inside_the_frame():
    from graders.autograde.pictures import contour_paths

    f = lambda x, y: x**2 + 3 * y**2  # noqa: E731
    theirs = np.array([[4.0, 4.0], [1.0, 0.5], [0.0, 0.0]])
    yours = np.array([[4.0, 4.0], [3.0, 3.5], [np.nan, np.nan], [2.0, 2.0], [1e9, 1e9]])  # a gap, then a point far out
    bundle = contour_paths(f, yours, theirs, title="a title")
    doc = _svg(bundle)
    lines = _polylines(doc)
    assert [len(r) for r in lines["#999999"]] == [3]
    assert [len(r) for r in lines["#d62728"]] == [2, 2]  # broken at the NaN
    assert len(lines["#7fa7d0"]) >= 5  # contour lines
    width, height = SIZE
    left, top = MARGIN["left"], MARGIN["top"]
    for x, y in lines["#999999"][0]:  # the reference path is framed, not clipped
        assert left <= x <= width - MARGIN["right"] and top <= y <= height - MARGIN["bottom"]
    assert bundle["text/plain"] == "a title: your last iterate (1e+09, 1e+09), the reference's (0, 0); 5 points of yours"
