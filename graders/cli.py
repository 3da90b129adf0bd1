"""``calc4ml``: the instructor's command line for the term. It wraps nbgrader, never replaces it.

    calc4ml release [ASSIGNMENT ...] [--check]   generate release/ from source/ (or check it is in sync)
    calc4ml release --publish [--force]          ... then put it in nbgrader's exchange for students
    calc4ml collect [ASSIGNMENT ...]             nbgrader collect into submitted/, naming what cannot be graded
    calc4ml feedback [ASSIGNMENT ...]            nbgrader release_feedback: students fetch their feedback
    calc4ml grade [ASSIGNMENT ...] [--student S ...] [--jobs N] [--resume] [--no-feedback]
                                                 autograde and write feedback on all cores
                  [--scheduler tcp://127.0.0.1:8786]   ... or on a Dask farm (graders/run/farm.py)
    calc4ml report [--out DIR]                   CSV and HTML reports from the gradebook
    calc4ml export [--to FILE]                   nbgrader's grade export (CSV)
    calc4ml serve [ASSIGNMENT ...] [--jobs N]    grade each submission as it arrives, release its feedback
                  [--scheduler tcp://127.0.0.1:8786]   ... grading on a Dask farm
    calc4ml serve --status                       what the server has queued, running, done and failed

Every command reads the course's ``nbgrader_config.py`` (``--course``, default: the current
folder), so what it writes is what the stock ``nbgrader`` commands read: formgrader,
``nbgrader export`` and ``nbgrader generate_feedback`` work on its results unchanged.
"""

from __future__ import annotations

import argparse
import contextlib
import filecmp
import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Sequence

from graders.run.course import api_problem, enter_course, nbgrader_api

__all__ = ["main", "CliError"]


class CliError(Exception):
    """One line for the instructor: what is wrong and what to do."""


class Progress:
    """``calc4ml grade``'s status line on stderr: a bar, counts, rate and time left. The engine
    knows nothing of it: ``grade_class`` tells :meth:`begin` how many submissions it grades and
    :meth:`update` each result."""

    def __init__(self, total: int, stream: Any = None, enabled: bool = True) -> None:
        self.total, self.done, self.failed = total, 0, 0
        self.start = time.monotonic()
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.tty = getattr(self.stream, "isatty", lambda: False)()
        self._last = 0.0

    def begin(self, total: int) -> None:
        self.total, self.start = total, time.monotonic()

    def line(self) -> str:
        elapsed = time.monotonic() - self.start
        rate = self.done / elapsed if elapsed > 0 else 0.0
        left = (self.total - self.done) / rate if rate > 0 else float("nan")
        width = 24
        filled = int(width * self.done / self.total) if self.total else width
        eta = "?" if left != left else time.strftime("%M:%S", time.gmtime(left))
        return (f"[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} graded"
                f"{f', {self.failed} failed' if self.failed else ''} | {rate:.2f} nb/s | "
                f"{time.strftime('%M:%S', time.gmtime(elapsed))} elapsed, {eta} left")

    def update(self, result: Any) -> None:  # a graders.run.fastgrade.GradeResult
        self.done += 1
        self.failed += not result.success
        if not self.enabled:
            return
        now = time.monotonic()
        if self.tty:
            self.stream.write("\r" + self.line())
            if self.done == self.total:
                self.stream.write("\n")
        elif now - self._last > 5 or self.done == self.total:
            self.stream.write(self.line() + "\n")
            self._last = now
        self.stream.flush()


def _configure_logging(verbose: int, quiet: bool) -> None:
    """The library logs (one logger per module, under ``graders``); the command line picks the level:
    warnings by default, printed as the bare message as before; ``-v`` info, ``-vv`` debug; ``--quiet``
    errors only."""
    level = logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s" if level >= logging.WARNING else "%(name)s: %(message)s"))
    for name in ("graders", "calc4ml"):
        logger = logging.getLogger(name)
        logger.setLevel(level)
        logger.handlers[:] = [handler]
        logger.propagate = False


def _course(path: str) -> Path:
    root = Path(path).resolve()
    if not (root / "nbgrader_config.py").exists():
        raise CliError(f"{root} has no nbgrader_config.py: run calc4ml in the course folder or pass --course DIR")
    return root


def _known_assignments(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "source").iterdir() if (p / f"{p.name}.ipynb").exists()) if (root / "source").is_dir() else []


def _pick_assignments(root: Path, asked: Sequence[str]) -> list[str]:
    known = _known_assignments(root)
    if not known:
        raise CliError(f"{root / 'source'} holds no assignment: write source/<assignment>/<assignment>.ipynb first")
    for a in asked:
        if a not in known:
            raise CliError(f"no assignment {a!r} in source/ (known: {', '.join(known)})")
    return list(asked) or known


def _check(result: dict, what: str) -> None:
    if not result.get("success"):
        raise CliError(f"{what} failed: {api_problem(result)}")


def cmd_release(args: argparse.Namespace) -> int:
    root = _course(args.course)
    assignments = _pick_assignments(root, args.assignments)
    if args.check:
        return _check_release(root, assignments)
    api = nbgrader_api(root)
    for a in assignments:
        t = time.monotonic()
        _check(api.generate_assignment(a, force=True, create=True), f"generate_assignment {a}")
        print(f"released {a} -> {root / 'release' / a} ({time.monotonic() - t:.1f} s)")
    if args.publish:  # the exchange (graders/exchange.py): students fetch it from the Assignments tab
        from graders import exchange

        try:
            print("\n".join(exchange.publish(api, assignments, force=args.force)))
        except RuntimeError as exc:
            raise CliError(str(exc)) from None
    return 0


def cmd_collect(args: argparse.Namespace) -> int:
    """nbgrader collect (the newest submission of each student) and what cannot be graded."""
    from graders import exchange

    root = _course(args.course)
    assignments = _pick_assignments(root, args.assignments)
    try:
        lines, _ = exchange.collect(nbgrader_api(root), assignments)
    except RuntimeError as exc:
        raise CliError(str(exc)) from None
    print("\n".join(lines))
    return 0


def cmd_feedback(args: argparse.Namespace) -> int:
    """nbgrader release_feedback: students fetch it from the Assignments tab."""
    from graders import exchange

    root = _course(args.course)
    assignments = _pick_assignments(root, args.assignments)
    try:
        print("\n".join(exchange.release_feedback(nbgrader_api(root), assignments)))
    except RuntimeError as exc:
        raise CliError(str(exc)) from None
    return 0


def _notebook_cells(path: Path) -> list[tuple[str, str, dict, list]]:
    import nbformat

    nb = nbformat.read(path, as_version=4)
    return [(c.cell_type, c.source, c.metadata.get("nbgrader", {}), c.metadata.get("tags", [])) for c in nb.cells]


def _check_release(root: Path, assignments: list[str]) -> int:
    """Generate into a scratch copy of the course and compare with release/; check the
    skip-when-grading tags of what it generates (graders.autograde.budget.skip_tag_problems)."""
    import nbformat

    from graders.autograde.budget import SKIP_TAG, skip_tag_problems

    stale, tags = [], []
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp) / "course"
        scratch.mkdir()
        shutil.copy(root / "nbgrader_config.py", scratch)
        for folder in ("source", "reference"):
            if (root / folder).exists():
                shutil.copytree(root / folder, scratch / folder, ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
        cwd = os.getcwd()
        api = nbgrader_api(scratch)
        try:
            for a in assignments:
                _check(api.generate_assignment(a, force=True, create=True), f"generate_assignment {a}")
                fresh, current = scratch / "release" / a, root / "release" / a
                if not current.exists():
                    stale.append(f"{a}: release/{a} is missing")
                    continue
                for path in sorted(fresh.rglob("*")):
                    rel = path.relative_to(fresh)
                    mine = current / rel
                    if path.is_dir():
                        continue
                    if path.suffix == ".ipynb":
                        tags += [f"{a}: {rel}: {p}" for p in skip_tag_problems(nbformat.read(path, as_version=4))]
                    if not mine.exists():
                        stale.append(f"{a}: release/{a}/{rel} is missing")
                    elif path.suffix == ".ipynb":
                        if _notebook_cells(path) != _notebook_cells(mine):
                            stale.append(f"{a}: release/{a}/{rel} differs from what source/ generates")
                    elif not filecmp.cmp(path, mine, shallow=False):
                        stale.append(f"{a}: release/{a}/{rel} differs from source/")
                extra = {p.relative_to(current) for p in current.rglob("*") if p.is_file()} - {
                    p.relative_to(fresh) for p in fresh.rglob("*") if p.is_file()}
                stale += [f"{a}: release/{a}/{rel} is not in source/" for rel in sorted(extra) if "__pycache__" not in str(rel)]
        finally:
            os.chdir(cwd)
    if stale:
        print("release/ is out of sync with source/ (run `calc4ml release`):")
        print("\n".join("  " + s for s in stale))
    if tags:
        print(f"cells tagged {SKIP_TAG} that grading could not skip without changing what a later cell does "
              "(untag them, or move the names later cells need into an untagged cell):")
        print("\n".join("  " + s for s in tags))
    if stale or tags:
        return 1
    print(f"release/ is in sync with source/ for {', '.join(assignments)}")
    return 0


def cmd_grade(args: argparse.Namespace) -> int:
    from graders.run.fastgrade import find_submissions, grade_class

    root = _course(args.course)
    assignments = _pick_assignments(root, args.assignments)
    if not (root / "submitted").is_dir() or not any((root / "submitted").iterdir()):
        raise CliError(f"{root / 'submitted'} is empty: collect submissions into submitted/<student>/<assignment>/ first")
    everyone = find_submissions(root, assignments, hashes=False)  # who submitted; grade_class hashes
    if not everyone:
        raise CliError(f"no submission of {', '.join(assignments)} in submitted/: "
                       "collect them into submitted/<student>/<assignment>/ first")
    if args.student:
        known = sorted({t.student for t in everyone})
        for s in args.student:
            if s not in known:
                raise CliError(f"no submission of student {s!r} for {', '.join(assignments)} in submitted/ "
                               f"({len(known)} students have one, e.g. {', '.join(known[:5])})")
    with contextlib.ExitStack() as stack:
        farm = None
        if args.scheduler:  # graders.run.farm imports Dask: only when asked
            from graders.run.farm import FarmError, FarmExecutor

            try:
                farm = stack.enter_context(FarmExecutor(root, args.scheduler))
            except FarmError as exc:
                raise CliError(str(exc)) from None
        if not args.no_canary:
            from graders.run.canary import CanaryFailed, run_canary

            todo = sorted({t.assignment for t in everyone if not args.student or t.student in args.student})
            start = time.monotonic()
            try:
                if farm is not None:  # every farm worker grades the solution notebooks in its own course copy
                    farm.canary(todo)
                else:
                    run_canary(root, todo, jobs=args.jobs, use_fork_server=not args.no_fork_server)
            except CanaryFailed as exc:
                raise CliError(f"nothing was graded: the solution notebooks do not score full marks in this grading "
                               f"environment, so every student would be charged for it. {exc}") from None
            print(f"canary: the solution notebooks of {', '.join(todo)} score full marks here "
                  f"({time.monotonic() - start:.1f} s)")
        from graders.exchange import sync_due_dates

        # the configured due dates decide who is late (only for what is graded: no empty rows for the rest)
        sync_due_dates(nbgrader_api(root), sorted({t.assignment for t in everyone}))
        bar = Progress(0, enabled=not args.quiet)
        summary = grade_class(root, assignments, students=args.student or None, jobs=args.jobs, resume=args.resume,
                              use_fork_server=not args.no_fork_server, feedback=not args.no_feedback, executor=farm,
                              on_start=bar.begin, on_result=bar.update)
    print(summary.text())  # names every feedback that failed; its grade is saved all the same
    written = sum(r.feedback for r in summary.results)
    if written:
        print(f"feedback of {written} submissions written to {root / 'feedback'} by the grading workers")
    return 1 if summary.failed else 0


def cmd_report(args: argparse.Namespace) -> int:
    from graders import report

    root = _course(args.course)
    out = Path(args.out).resolve() if args.out else root / "exports" / "report"
    try:
        paths = report.write_report(root, out)
    except report.ReportError as exc:
        raise CliError(str(exc)) from None
    for name, path in paths.items():
        print(f"{name:>24}: {path}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    root = _course(args.course)
    enter_course(root)  # its nbgrader_config.py, as the stock command reads it
    from nbgrader.apps.exportapp import ExportApp

    to = Path(args.to).resolve() if args.to else root / "exports" / "grades.csv"
    to.parent.mkdir(parents=True, exist_ok=True)
    app = ExportApp()
    app.initialize(["--to", str(to), "--log-level=ERROR"])
    app.start()
    print(f"grades exported to {to} (nbgrader's CSV exporter)")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Grade on submit (graders/run/serve.py): watch the exchange's inbound folder until stopped."""
    from graders.run import serve

    root = _course(args.course)
    if args.status:
        print(serve.status_text(root))
        return 0
    if args.scheduler and (args.jobs or args.timeout):
        raise CliError("--jobs and --timeout are for grading on this machine: on a farm each worker has its own "
                       "kernel slots (dask worker ... --calc4ml-jobs N) and the cells' CPU budgets bound a submission")
    assignments = _pick_assignments(root, args.assignments)
    from graders import exchange

    api = nbgrader_api(root)
    exchange.sync_due_dates(api, assignments)  # the late policy reads them from the gradebook
    root_dir = api.config.Exchange.get("root", exchange.DEFAULT_EXCHANGE) if "Exchange" in api.config else exchange.DEFAULT_EXCHANGE
    inbound = Path(root_dir) / api.coursedir.course_id / "inbound"
    if not inbound.is_dir():
        raise CliError(f"{inbound} does not exist: publish an assignment first (calc4ml release --publish)")
    policy = serve.ServePolicy(config=api.config)
    dates = exchange.due_dates(api.config)
    hold = {}
    for a in policy.hold_hidden_until_due:
        if a in assignments:
            if a not in dates:
                raise CliError(f"ServePolicy.hold_hidden_until_due lists {a}, which has no due date (c.DueDates.dates)")
            hold[a] = dates[a]
    farm_errors: tuple[type[Exception], ...] = ()  # the farm's (graders.run.farm imports Dask: only when asked)
    if args.scheduler:
        from graders.run.farm import FarmError

        farm_errors = (FarmError,)
    if not args.no_canary:
        from graders.run.canary import CanaryFailed, run_canary

        try:
            if args.scheduler:  # every farm worker grades the solution notebooks in its own course copy
                from graders.run.farm import farm_canary

                seconds = farm_canary(root, args.scheduler, assignments)
            else:
                seconds = run_canary(root, assignments, jobs=args.jobs)
        except farm_errors as exc:
            raise CliError(str(exc)) from None
        except CanaryFailed as exc:
            raise CliError(f"not serving: the solution notebooks do not score full marks here. {exc}") from None
        print(f"canary: the solution notebooks of {', '.join(assignments)} score full marks here ({seconds:.1f} s)",
              flush=True)

    def say(line: str) -> None:
        print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {line}", flush=True)

    server = serve.Server(root, inbound, assignments, jobs=args.jobs or 0, timeout=args.timeout or serve.DEFAULT_TIMEOUT,
                          hold=hold, on_log=say,
                          scheduler=args.scheduler)
    import signal

    signal.signal(signal.SIGTERM, lambda *_: server.stop())
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    except farm_errors as exc:
        raise CliError(str(exc)) from None
    say("stopped; what was not finished is graded when calc4ml serve starts again (journal)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="calc4ml", description="Run the Calculus for Machine Learning course with nbgrader.")
    p.add_argument("--course", default=".", help="course folder holding nbgrader_config.py (default: current folder)")
    sub = p.add_subparsers(dest="command", required=True, metavar="{release,collect,grade,feedback,report,export,serve}")

    r = sub.add_parser("release", help="generate release/ from source/ with nbgrader generate_assignment")
    r.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="default: every assignment in source/")
    r.add_argument("--check", action="store_true", help="only check that release/ is what source/ generates")
    r.add_argument("--publish", action="store_true",
                   help="then release it to students through nbgrader's exchange (release_assignment), due dates set")
    r.add_argument("--force", action="store_true", help="with --publish: replace an assignment already published")
    r.set_defaults(func=cmd_release)

    co = sub.add_parser("collect", help="nbgrader collect: the newest submission of each student into submitted/")
    co.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="default: every assignment in source/")
    co.set_defaults(func=cmd_collect)

    fb = sub.add_parser("feedback", help="nbgrader release_feedback: students fetch their feedback")
    fb.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="default: every assignment in source/")
    fb.set_defaults(func=cmd_feedback)

    g = sub.add_parser("grade", help="autograde submitted/ on all cores into the gradebook and write feedback")
    g.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="default: every assignment in source/")
    g.add_argument("--student", action="append", metavar="ID", help="only this student (repeatable)")
    g.add_argument("--jobs", type=int, default=None,
                   help="kernels at once (default: number of cores); one grading worker more prepares and saves")
    g.add_argument("--resume", action="store_true",
                   help="skip submissions a previous (killed) run finished, unless graders/, reference/, release/ "
                        "or nbgrader_config.py changed since (those are graded again, and counted)")
    g.add_argument("--no-feedback", action="store_true",
                   help="do not write feedback (otherwise each worker runs generate_feedback after grading)")
    g.add_argument("--no-fork-server", action="store_true", help="start every kernel from scratch (slower; for comparison)")
    g.add_argument("--scheduler", metavar="ADDRESS",
                   help="grade on a Dask farm (tcp://127.0.0.1:8786 on loopback, tls://HOST:8786 otherwise): workers "
                        "started with --preload graders.run.farm --calc4ml-course DIR; gradebook on PostgreSQL")
    g.add_argument("--no-canary", action="store_true",
                   help="skip grading the solution notebooks first (they must score full marks, or nothing is graded)")
    g.set_defaults(func=cmd_grade)

    rep = sub.add_parser("report", help="per-student, per-exercise and per-check reports (CSV, HTML with plots)")
    rep.add_argument("--out", help="output folder (default: exports/report/ in the course)")
    rep.set_defaults(func=cmd_report)

    e = sub.add_parser("export", help="export grades with nbgrader's CSV exporter")
    e.add_argument("--to", help="CSV file (default: exports/grades.csv)")
    e.set_defaults(func=cmd_export)

    sv = sub.add_parser("serve", help="grade each submission as it arrives in the exchange and release its feedback")
    sv.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="default: every assignment in source/")
    sv.add_argument("--status", action="store_true", help="print what the server has queued, running, done, failed")
    sv.add_argument("--jobs", type=int, default=None, help="kernels at once (default: number of cores)")
    sv.add_argument("--timeout", type=float, default=None,
                    help="seconds one submission may take before its worker is killed and it is reported (900)")
    sv.add_argument("--scheduler", metavar="ADDRESS",
                    help="grade on a Dask farm, as calc4ml grade --scheduler (the server collects and releases; the "
                         "farm's workers grade; gradebook on PostgreSQL; --jobs and --timeout do not apply)")
    sv.add_argument("--no-canary", action="store_true", help="skip grading the solution notebooks at start")
    sv.set_defaults(func=cmd_serve)
    for command in sub.choices.values():
        command.add_argument("-v", "--verbose", action="count", default=0, help="log more (-vv: debug)")
        command.add_argument("-q", "--quiet", action="store_true", help="log only errors; grade: no progress bar")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _configure_logging(args.verbose, args.quiet)
    try:
        return int(args.func(args) or 0)
    except CliError as exc:
        print(f"calc4ml: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("calc4ml: interrupted; `calc4ml grade --resume` continues where this run stopped", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
