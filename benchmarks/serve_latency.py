"""Latency of `calc4ml serve`: from a student's `nbgrader submit` to their feedback in the exchange.

    .venv/bin/python benchmarks/serve_latency.py                 # idle 6 per assignment, then a burst of 60
    .venv/bin/python benchmarks/serve_latency.py --idle 10 --burst 0

In a throw-away course and exchange: `calc4ml release --publish` of w1, w2 and w3, then
`calc4ml serve` (canary included, not timed). Submissions are made with the stock
`nbgrader submit --student <id>` from a folder holding the released assignment with a corpus
notebook in it (correct and buggy variants in turn).

* idle: one submission at a time, the next once the previous one's feedback is available;
* burst: `--burst` submissions, 20 students each submitting w1, w2 and w3 in turn, by 4
  submitters at once (about a minute on 2 cores), measured while the server works through them.

A submission's latency is the time from its nbgrader timestamp (taken by `nbgrader submit` as it
starts) until ``<exchange>/<course>/feedback/<hash>.html``, the file "Fetch feedback" copies,
exists (the hash is nbgrader's ``notebook_hash`` of the submission's secret and notebook id).
Prints p50, p95 (nearest rank) and max per assignment and phase, and how many were measured.
Run it by hand on a quiet machine; it is not part of `make test`.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))
BIN = Path(sys.executable).parent

from corpus import CORPUS, build_submission, load_variant  # noqa: E402

ASSIGNMENTS = ("w1_cost_minimization", "w2_linear_regression", "w3_two_layer_network")
VARIANTS = {
    "w1_cost_minimization": ["correct_loops", "bug_dL_sign", "correct_vectorised_npvar", "bug_ddof1"],
    "w2_linear_regression": ["correct_matrix_form", "bug_gd_sequential", "correct_loops", "bug_E_sum"],
    "w3_two_layer_network": ["correct_reference", "bug_no_sigmoid_derivative", "correct_dot_stable_inplace",
                             "bug_update_adds"],
}


def _env(exchange: Path) -> dict[str, str]:
    return dict(os.environ, PATH=f"{BIN}:{os.environ.get('PATH', '')}", CALC4ML_EXCHANGE=str(exchange))


class Watcher(threading.Thread):
    """Notices each inbound submission and when its feedback file appears in the exchange."""

    def __init__(self, exchange: Path) -> None:
        super().__init__(daemon=True)
        from nbgrader.utils import notebook_hash, parse_utc

        self._hash, self._parse = notebook_hash, parse_utc
        self.inbound = exchange / "calc4ml" / "inbound"
        self.feedback = exchange / "calc4ml" / "feedback"
        self.expect: dict[str, Path] = {}  # inbound name -> feedback file
        self.latency: dict[str, float] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            for name in os.listdir(self.inbound):
                if name not in self.expect:
                    secret = self.inbound / name / "submission_secret.txt"
                    if secret.exists() and secret.stat().st_size:
                        assignment = name.rsplit("+", 3)[1]
                        self.expect[name] = self.feedback / f"{self._hash(secret=secret.read_text(), notebook_id=assignment)}.html"
            now = time.time()
            for name, path in self.expect.items():
                if name not in self.latency and path.exists():
                    submitted = self._parse(name.rsplit("+", 3)[2]).timestamp()
                    self.latency[name] = now - submitted
            time.sleep(0.05)

    def wait(self, names: set[str] | None, n: int, timeout: float = 3600) -> None:
        deadline = time.monotonic() + timeout
        while len([x for x in self.latency if names is None or x in names]) < n:
            if time.monotonic() > deadline:
                raise SystemExit(f"timed out waiting for feedback ({len(self.latency)} measured)")
            time.sleep(0.1)


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def _table(title: str, latency: dict[str, float], names: set[str]) -> list[str]:
    lines = [title, f"  {'assignment':<24} {'n':>3} {'p50 s':>7} {'p95 s':>7} {'max s':>7}"]
    for a in ASSIGNMENTS:
        values = [v for k, v in latency.items() if k in names and k.rsplit("+", 3)[1] == a]
        if values:
            lines.append(f"  {a:<24} {len(values):>3} {_pct(values, 0.5):>7.1f} {_pct(values, 0.95):>7.1f} "
                         f"{max(values):>7.1f}")
    return lines


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--idle", type=int, default=6, help="submissions per assignment, one at a time (default 6)")
    p.add_argument("--burst", type=int, default=60, help="submissions in the burst (default 60; 0: none)")
    p.add_argument("--keep", action="store_true", help="keep the throw-away course and exchange")
    args = p.parse_args()

    base = Path(tempfile.mkdtemp(prefix="calc4ml-serve-bench-"))
    course, exchange, homes = base / "course", base / "exchange", base / "homes"
    course.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", course)
    for folder in ("source", "reference"):
        shutil.copytree(ROOT / folder, course / folder, ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    exchange.mkdir()
    exchange.chmod(0o1777)
    env = _env(exchange)
    subprocess.run([str(BIN / "calc4ml"), "--course", str(course), "release", *ASSIGNMENTS, "--publish"], env=env,
                   check=True, capture_output=True)
    notebooks = {}
    for a in ASSIGNMENTS:
        release = nbformat.read(course / "release" / a / f"{a}.ipynb", as_version=4)
        for v in VARIANTS[a]:
            notebooks[(a, v)] = nbformat.writes(build_submission(release, a, load_variant(CORPUS / a / f"{v}.py")))

    def submit(student: str, a: str, variant: str) -> None:
        home = homes / student
        if not (home / a).exists():
            shutil.copytree(course / "release" / a, home / a)
        (home / a / f"{a}.ipynb").write_text(notebooks[(a, variant)])
        subprocess.run([str(BIN / "nbgrader"), "submit", a, "--course", "calc4ml", f"--Exchange.root={exchange}",
                        f"--student={student}"], cwd=home,
                       env=dict(env, HOME=str(home)), check=True, capture_output=True)

    log = open(base / "serve.log", "w")
    server = subprocess.Popen([str(BIN / "calc4ml"), "--course", str(course), "serve", *ASSIGNMENTS], env=env,
                              stdout=log, stderr=subprocess.STDOUT)
    watcher = Watcher(exchange)
    out: list[str] = []
    try:
        while " serving " not in (base / "serve.log").read_text():
            if server.poll() is not None:
                raise SystemExit("calc4ml serve exited:\n" + (base / "serve.log").read_text()[-3000:])
            time.sleep(0.5)
        watcher.start()
        idle: set[str] = set()
        for a in ASSIGNMENTS:
            for i in range(args.idle):
                before = set(watcher.expect)
                submit(f"idle{i:02d}", a, VARIANTS[a][i % len(VARIANTS[a])])
                while not set(watcher.expect) - before:
                    time.sleep(0.05)
                new = set(watcher.expect) - before
                watcher.wait(new, len(new))
                idle |= new
        out += _table(f"idle: one submission at a time ({args.idle} per assignment)", watcher.latency, idle)
        if args.burst:
            before = set(watcher.expect)
            plan = [(f"burst{i % 20:02d}", ASSIGNMENTS[(i // 20) % 3], VARIANTS[ASSIGNMENTS[(i // 20) % 3]][i % 4])
                    for i in range(args.burst)]
            t = time.monotonic()
            with ThreadPoolExecutor(4) as pool:
                list(pool.map(lambda job: submit(*job), plan))
            submitted_in = time.monotonic() - t
            while len(set(watcher.expect) - before) < len(plan):
                time.sleep(0.1)
            burst = set(watcher.expect) - before
            watcher.wait(burst, len(burst))
            out += _table(f"burst: {len(plan)} submissions from 20 students, submitted within {submitted_in:.0f} s",
                          watcher.latency, burst)
    finally:
        watcher.stop.set()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=120)
        log.close()
    print("\n".join(out))
    print(f"(cores: {os.cpu_count()}; server log: {base / 'serve.log'})")
    if not args.keep:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
