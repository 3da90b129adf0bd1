"""graders.exchange without a hub: the late policy, the due dates, what collect says of a submission."""

from __future__ import annotations

import nbformat
import pytest
from traitlets.config import Config

from graders.exchange import (
    DEFAULT_EXCHANGE, EXCHANGE_ENV, LatePolicy, due_dates, exchange_root, late_fraction, notebook_problem,
    submission_problems,
)

DAY = 24 * 3600


@pytest.mark.parametrize("seconds, fraction", [
    (0, 0.0), (1, 0.1), (DAY, 0.1), (DAY + 1, 0.2), (3 * DAY, 0.3), (4 * DAY + 1, 0.5), (7 * DAY, 0.5),
    (7 * DAY + 1, 1.0), (30 * DAY, 1.0),
])
def test_late_fraction_per_started_day(seconds, fraction):
    assert late_fraction(seconds) == pytest.approx(fraction)


def test_the_plugin_takes_points_off_the_notebook_score():
    policy = LatePolicy()
    assert policy.late_submission_penalty("ada", 10.0, 0) is None
    assert policy.late_submission_penalty("ada", 10.0, 2 * DAY + 60) == pytest.approx(3.0)
    assert policy.late_submission_penalty("ada", 10.0, 8 * DAY) == pytest.approx(10.0)
    strict = LatePolicy(config=Config({"LatePolicy": {"per_day": 0.25, "max_fraction": 0.75, "zero_after_days": 3}}))
    assert strict.late_submission_penalty("ada", 8.0, DAY + 1) == pytest.approx(4.0)
    assert strict.late_submission_penalty("ada", 8.0, 3 * DAY + 1) == pytest.approx(8.0)


def test_exchange_root_from_the_environment(monkeypatch):
    monkeypatch.delenv(EXCHANGE_ENV, raising=False)
    assert exchange_root() == DEFAULT_EXCHANGE
    monkeypatch.setenv(EXCHANGE_ENV, "/tmp/term-2027")
    assert exchange_root() == "/tmp/term-2027"


def test_due_dates_are_parsed_to_naive_utc():
    cfg = Config({"DueDates": {"dates": {"w1": "2027-01-18 23:59:00 UTC", "w2": "2027-01-19 01:00:00 Europe/Paris"}}})
    got = due_dates(cfg)
    assert got["w1"].isoformat() == "2027-01-18T23:59:00"
    assert got["w2"].isoformat() == "2027-01-19T00:00:00"  # UTC+1 in January


def test_what_collect_says_of_each_submission(tmp_path):
    a, nb = "w1", "w1.ipynb"
    (tmp_path / "release" / a).mkdir(parents=True)
    nbformat.write(nbformat.v4.new_notebook(), tmp_path / "release" / a / nb)
    cases = {"good": nbformat.writes(nbformat.v4.new_notebook()), "empty": "", "text": "my answers: 0.5\n",
             "half": '{"cells": [', "wrongjson": '{"hello": 1}'}
    for student, text in cases.items():
        folder = tmp_path / "submitted" / student / a
        folder.mkdir(parents=True)
        (folder / nb).write_text(text)
    (tmp_path / "submitted" / "gone" / a).mkdir(parents=True)
    (tmp_path / "submitted" / "gone" / a / "answers.pdf").write_bytes(b"%PDF")
    problems = submission_problems(tmp_path, a)
    assert "good" not in problems
    assert problems["empty"] == [f"{nb}: empty file (0 bytes)"]
    assert problems["text"] == [f"{nb}: not a notebook (not JSON)"]
    assert problems["half"][0].startswith(f"{nb}: not a notebook")
    assert problems["wrongjson"][0].startswith(f"{nb}: not a notebook")
    assert problems["gone"] == [f"{nb}: missing", "other files handed in: answers.pdf"]
    big = tmp_path / "big.ipynb"
    big.write_text(nbformat.writes(nbformat.v4.new_notebook()) + " " * 2000)
    assert notebook_problem(big, max_bytes=1000).endswith("over the course's 0 MB per file")
