"""The term on a shared server: nbgrader's exchange, due dates and the late policy.

Everything here is read from the course's ``nbgrader_config.py`` (README, "Run a term on
JupyterHub"):

* ``c.Exchange.root = exchange_root()``: the exchange folder, ``$CALC4ML_EXCHANGE`` when set
  (the tests point it at a temporary folder), else :data:`DEFAULT_EXCHANGE`. nbgrader wants it
  to exist and be writable by everyone (``chmod 1777``, :func:`prepare_exchange_root`);
  ``release_assignment`` then makes ``<root>/<course_id>/outbound`` (755: everyone reads the
  releases), ``inbound`` (2733: everyone drops a submission in, nobody but its owner and the
  instructor lists it) and ``feedback`` (2711: a student reaches only the feedback whose name is
  the hash of a notebook they submitted).
* ``c.DueDates.dates``: one due date per assignment (``"2027-01-18 23:59:00 UTC"``, anything
  :func:`nbgrader.utils.parse_utc` reads). :func:`sync_due_dates` writes them into the gradebook
  (``calc4ml release --publish``, ``calc4ml collect`` and ``calc4ml grade`` call it), where
  nbgrader's ``AssignLatePenalties`` and every report read them.
* ``c.AssignLatePenalties.plugin_class = LatePolicy``: 10% of the notebook's score off per
  started day late, at most 50%, everything after 7 days (each of the three configurable).

A student is whoever the exchange says: nbgrader names a submission after the Unix user who
made it (``nbgrader.utils.get_username``), so on JupyterHub with local users the hub's user
name is the student id.
"""

from __future__ import annotations

import math
import os
import stat
from datetime import datetime
from pathlib import Path

from nbgrader.plugins.latesubmission import LateSubmissionPlugin
from traitlets import Dict, Float
from traitlets.config import Configurable

from graders.run.course import api_problem

__all__ = [
    "EXCHANGE_ENV", "DEFAULT_EXCHANGE", "exchange_root", "prepare_exchange_root",
    "DueDates", "LatePolicy", "late_fraction", "due_dates", "sync_due_dates",
]

#: Environment variable that moves the exchange (tests, a second term on the same server).
EXCHANGE_ENV = "CALC4ML_EXCHANGE"
#: nbgrader's own default; documented in the README.
DEFAULT_EXCHANGE = "/srv/nbgrader/exchange"
DAY = 24 * 3600.0


def exchange_root() -> str:
    """The exchange folder: ``$CALC4ML_EXCHANGE`` if set, else :data:`DEFAULT_EXCHANGE`."""
    return os.environ.get(EXCHANGE_ENV) or DEFAULT_EXCHANGE


def prepare_exchange_root(root: str | os.PathLike) -> Path:
    """Create the exchange folder as nbgrader documents it: everyone may write (students make
    their inbound copies below it), sticky so nobody removes another's files. Idempotent; needs
    the right to create or chmod the folder (root, or its owner)."""
    path = Path(root)
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o1777)
    return path


class DueDates(Configurable):
    """``c.DueDates.dates = {"w1_cost_minimization": "2027-01-18 23:59:00 UTC", ...}``."""

    dates = Dict(
        {}, help="Due date of each assignment (a string nbgrader.utils.parse_utc reads; UTC if no zone)."
    ).tag(config=True)


class LatePolicy(LateSubmissionPlugin):
    """The course's late policy, applied by nbgrader's ``AssignLatePenalties`` to every notebook:
    ``per_day`` of the notebook's score off for each started day late, at most ``max_fraction``,
    and the whole score once more than ``zero_after_days`` days late."""

    per_day = Float(0.10, help="Fraction of the score taken off per started day late.").tag(config=True)
    max_fraction = Float(0.50, help="Largest fraction taken off while still accepted.").tag(config=True)
    zero_after_days = Float(7.0, help="Later than this many days: the score is 0.").tag(config=True)

    def late_submission_penalty(self, student_id: str, score: float, total_seconds_late: float) -> float | None:
        fraction = late_fraction(total_seconds_late, self.per_day, self.max_fraction, self.zero_after_days)
        self.log.warning("%s is %.0f s late: %.0f%% of %s points off (late policy)",
                         student_id, total_seconds_late, 100 * fraction, score)
        return None if fraction == 0 else fraction * float(score or 0.0)


def late_fraction(seconds_late: float, per_day: float = 0.10, max_fraction: float = 0.50,
                  zero_after_days: float = 7.0) -> float:
    """The fraction of the score taken off a submission ``seconds_late`` seconds after its due
    date: ``per_day`` per started day, at most ``max_fraction``; 1 past ``zero_after_days`` days."""
    if not seconds_late or seconds_late <= 0:
        return 0.0
    if seconds_late > zero_after_days * DAY:
        return 1.0
    return min(max_fraction, per_day * math.ceil(seconds_late / DAY))


def due_dates(config) -> dict[str, datetime]:
    """The configured due dates, parsed to naive UTC as nbgrader stores them."""
    from nbgrader.utils import parse_utc

    section = config.get("DueDates", {}) if hasattr(config, "get") else {}
    raw = dict(section.get("dates", {}) or {})
    return {name: parse_utc(value) for name, value in raw.items() if value}


def sync_due_dates(api, assignments: list[str] | None = None) -> dict[str, datetime]:
    """Write the configured due dates into the gradebook for ``assignments`` (default: every one
    configured) that the gradebook knows (``generate_assignment`` adds them); return what was written."""
    from nbgrader.api import Gradebook

    dates = due_dates(api.config)
    chosen = {a: d for a, d in dates.items() if assignments is None or a in assignments}
    if not chosen:
        return {}
    written = {}
    with Gradebook(api.coursedir.db_url, course_id=api.coursedir.course_id) as gb:
        known = {a.name for a in gb.assignments}
        for name, when in chosen.items():
            if name in known:  # generate_assignment made it; an empty row would hide nbgrader's own checks
                gb.update_or_create_assignment(name, duedate=when)
                written[name] = when
    return written


def exchange_permissions_problem(root: str | os.PathLike) -> str | None:
    """Why students could not use the exchange at ``root`` (None when they can)."""
    path = Path(root)
    if not path.is_dir():
        return f"the exchange folder {path} does not exist (create it: mkdir -p {path} && chmod 1777 {path})"
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o777 != 0o777:
        return f"the exchange folder {path} is mode {mode:o}, students need it writable by everyone (chmod 1777 {path})"
    return None


# --------------------------------------------------------------------------------------------
# The instructor's side: publish, collect (and look at what came in), release feedback.


def _log_lines(result: dict) -> list[str]:
    return [line for line in (result.get("log") or "").splitlines() if line.strip()]


def publish(api, assignments: list[str], force: bool = False) -> list[str]:
    """``nbgrader release_assignment`` for each assignment (release/ must be generated), after
    writing the due dates into the gradebook. Returns one line per assignment; raises
    RuntimeError naming the first that failed."""
    root = api.config.Exchange.get("root", DEFAULT_EXCHANGE) if "Exchange" in api.config else DEFAULT_EXCHANGE
    if not Path(root).exists():  # an existing one nbgrader checks (and chmods if it may)
        try:
            prepare_exchange_root(root)
        except OSError as exc:
            raise RuntimeError(f"cannot create the exchange folder {root} ({exc.strerror}): as root, "
                               f"mkdir -p {root} && chmod 1777 {root}") from None
    dates = sync_due_dates(api, assignments)
    api.config.ReleaseAssignment.force = bool(force)
    lines = []
    for a in assignments:
        result = api.release_assignment(a)
        if not result.get("success"):
            detail = api_problem(result)
            if "already exists" in detail:
                detail += " (students may have fetched it: pass --force to replace it)"
            raise RuntimeError(f"release_assignment {a} failed: {detail}")
        due = f", due {dates[a]:%Y-%m-%d %H:%M} UTC" if a in dates else ", no due date"
        lines.append(f"published {a} to {Path(root) / api.coursedir.course_id / 'outbound' / a}{due}")
    return lines


def notebook_problem(path: Path, max_bytes: int | None = None) -> str | None:
    """Why ``path`` cannot be graded as a notebook (None if it can be read as one)."""
    import json

    import nbformat

    if not path.exists():
        return "missing"
    size = path.stat().st_size
    if size == 0:
        return "empty file (0 bytes)"
    if max_bytes is not None and size > max_bytes:
        return f"{size / 1e6:.0f} MB, over the course's {max_bytes / 1e6:.0f} MB per file"
    from nbformat.reader import NotJSONError

    try:
        nbformat.read(path, as_version=4)
    except (NotJSONError, json.JSONDecodeError, UnicodeDecodeError):
        return "not a notebook (not JSON)"
    except Exception as exc:  # nbformat's validation and reader errors
        return f"not a notebook ({type(exc).__name__}: {str(exc).splitlines()[0][:80] if str(exc) else ''})"
    return None


def submission_problems(course_root: Path, assignment: str, max_bytes: int | None = None) -> dict[str, list[str]]:
    """student -> what is wrong with ``submitted/<student>/<assignment>/`` against the notebooks
    of ``release/<assignment>/``; students whose submission is fine are left out."""
    release = Path(course_root) / "release" / assignment
    expected = sorted(p.relative_to(release) for p in release.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    problems: dict[str, list[str]] = {}
    submitted = Path(course_root) / "submitted"
    for folder in sorted(submitted.glob(f"*/{assignment}")) if submitted.is_dir() else []:
        found = []
        for rel in expected:
            why = notebook_problem(folder / rel, max_bytes)
            if why:
                found.append(f"{rel}: {why}")
        extra = sorted(p.name for p in folder.iterdir() if p.is_file() and p.name != "timestamp.txt"
                       and p.relative_to(folder) not in expected)
        if extra and found:
            found.append(f"other files handed in: {', '.join(extra[:5])}")
        if found:
            problems[folder.parent.name] = found
    return problems


def collect(api, assignments: list[str]) -> tuple[list[str], dict[str, dict[str, list[str]]]]:
    """``nbgrader collect --update`` for each assignment: the newest submission of each student
    replaces an older one in ``submitted/``. Returns lines to print and, per assignment, the
    students whose collected submission cannot be graded, with why (the rest are unaffected)."""
    sync_due_dates(api, assignments)
    root = Path(api.coursedir.root)
    max_bytes = int(api.coursedir.max_file_size) * 1000 if api.coursedir.max_file_size else None
    lines, bad = [], {}
    for a in assignments:
        before = {p.parent.name: (p / "timestamp.txt").read_text().strip() if (p / "timestamp.txt").exists() else ""
                  for p in (root / "submitted").glob(f"*/{a}")}
        result = api.collect(a, update=True)
        if not result.get("success"):
            raise RuntimeError(f"collect {a} failed: {api_problem(result)}")
        after = {p.parent.name: (p / "timestamp.txt").read_text().strip() if (p / "timestamp.txt").exists() else ""
                 for p in (root / "submitted").glob(f"*/{a}")}
        new = sorted(s for s in after if before.get(s) != after[s])
        lines.append(f"collected {a}: {len(new)} new or newer submission(s)"
                     + (f" ({', '.join(new[:8])}{', ...' if len(new) > 8 else ''})" if new else "")
                     + f", {len(after)} in submitted/")
        bad[a] = submission_problems(root, a, max_bytes)
        for student, why in bad[a].items():
            lines.append(f"  {student}: {a} cannot be graded: {'; '.join(why)} "
                         "(the others are graded as usual; the student can submit again)")
    return lines, bad


def release_feedback(api, assignments: list[str]) -> list[str]:
    """``nbgrader release_feedback`` for each assignment: every generated feedback goes to the
    exchange under the hash of the notebook it grades, where only its author can fetch it."""
    lines = []
    for a in assignments:
        result = api.release_feedback(a)
        if not result.get("success"):
            raise RuntimeError(f"release_feedback {a} failed: {api_problem(result)}")
        n = len(list((Path(api.coursedir.root) / "feedback").glob(f"*/{a}")))
        lines.append(f"released the feedback of {a} ({n} student(s))")
    return lines
