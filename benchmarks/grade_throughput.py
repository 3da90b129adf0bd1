"""Throughput of `calc4ml grade` against stock `nbgrader autograde` + `generate_feedback`, with identical grades.

    .venv/bin/python benchmarks/grade_throughput.py --per-assignment 100

Builds N fictional submissions per assignment from the test corpus (correct, buggy, attacks and
broken notebooks in the proportions of tools/corpus.py CLASS_MIX) in a throw-away course,
then in the same run:

1. stock: `nbgrader autograde <assignment>` then `nbgrader generate_feedback <assignment>` for
   every assignment (nbgrader's sequential loop, this course's nbgrader_config.py: sandbox,
   repair, trusted verdicts, feedback without the hidden tests);
2. ours: `calc4ml grade` on all cores, into a fresh gradebook; its grading workers write each
   submission's feedback right after grading it.

Both sides' measured time includes writing the feedback HTML of every graded submission, so
neither leaves part of the job outside the clock (the floors run the notebooks' code only).
3. floor: the same submitted notebooks' code run with no grading framework at all, all cores
   busy: cold (a plain `python` per notebook on its concatenated code cells) and warm (each
   notebook in a process forked from a Python that already imported numpy, pandas, matplotlib
   and the probe, as calc4ml grade's fork server does; benchmarks/floor_driver.py). The warm
   floor bounds every grader: stock/warm floor is the most any speed-up can be.

With ``--rounds K`` stock and ours take turns on K slices of the class (every K-th student),
each into its own copy of the course: this machine's speed drifts by ~10% within minutes, and a
40-minute stock run followed by a 12-minute run of ours measures the drift along with the graders.

It checks every cell's score is the same in both gradebooks and prints notebooks per second,
CPU seconds per notebook, peak memory of the whole process tree, and the ratios.
Run it by hand on a quiet machine; it is not part of `make test`.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))
BIN = Path(sys.executable).parent

from corpus import mixed_class  # noqa: E402
from graders.assignments import ASSIGNMENTS  # noqa: E402
from graders.run.fastgrade import EXTRA_WORKERS, journal_entries  # noqa: E402
from graders.report.scores import cell_scores  # noqa: E402


def _env() -> dict[str, str]:
    return dict(os.environ, PATH=f"{BIN}:{os.environ.get('PATH', '')}")


class Meter:
    """Wall time, busy CPU seconds of the machine, and peak RSS of the process tree under us."""

    def __enter__(self) -> "Meter":
        self.t0 = time.monotonic()
        self.cpu0 = self._cpu()
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    @staticmethod
    def _cpu() -> float:
        """CPU seconds the whole machine has been busy (/proc/stat): a grader's kernels are killed
        inside their sandbox before anyone waits for them, so the rusage of children misses them.
        Hence: run on a quiet machine."""
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
        user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
        return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")

    #: Seconds between two samples of the process tree's memory. A sample walks /proc (4.8 ms of
    #: CPU for 15 processes): every 0.2 s that was ~2.5% of a core, taken from a grader that keeps
    #: both cores busy while stock's one busy core leaves it the other, so it biased the ratio
    #: against ours; every second costs a fifth of that, and a peak lasts longer than a second.
    SAMPLE_EVERY = 1.0

    def _sample(self) -> None:
        me = psutil.Process()
        while not self._stop.wait(self.SAMPLE_EVERY):
            total = 0
            for p in me.children(recursive=True):
                try:
                    total += p.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.wall = time.monotonic() - self.t0
        self.cpu = self._cpu() - self.cpu0


def build_course(dest: Path, n: int, assignments: list[str]) -> int:
    dest.mkdir(parents=True)
    shutil.copy(ROOT / "nbgrader_config.py", dest)
    for folder in ("source", "reference"):
        shutil.copytree(ROOT / folder, dest / folder, ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    count = 0
    for a in assignments:
        subprocess.run([str(BIN / "nbgrader"), "generate_assignment", a, "--force"], cwd=dest, env=_env(),
                       check=True, capture_output=True)
        release = nbformat.read(dest / "release" / a / f"{a}.ipynb", as_version=4)
        for student, nb in mixed_class(release, a, n).items():
            folder = dest / "submitted" / student / a
            folder.mkdir(parents=True)
            nbformat.write(nb, folder / f"{a}.ipynb")
            count += 1
    return count


def reset_grades(course: Path, assignments: list[str]) -> None:
    shutil.rmtree(course / "autograded", ignore_errors=True)
    shutil.rmtree(course / "feedback", ignore_errors=True)
    shutil.rmtree(course / ".calc4ml", ignore_errors=True)
    (course / "gradebook.db").unlink(missing_ok=True)
    for a in assignments:  # a fresh gradebook knows the assignment again
        subprocess.run([str(BIN / "nbgrader"), "generate_assignment", a, "--force"], cwd=course, env=_env(),
                       check=True, capture_output=True)


class Rounds:
    """The sum of several ``Meter`` runs: wall and CPU add up, peak memory is the highest."""

    def __init__(self) -> None:
        self.wall = self.cpu = 0.0
        self.peak = 0

    def add(self, m: Meter) -> None:
        self.wall += m.wall
        self.cpu += m.cpu
        self.peak = max(self.peak, m.peak)


def _others(course: Path, chunk: list[str]) -> list[str]:
    every = sorted({p.name for p in (course / "submitted").iterdir() if p.is_dir()})
    return [s for s in every if s not in set(chunk)]


def run_stock(course: Path, assignments: list[str], chunk: list[str] | None = None,
              per: dict[str, float] | None = None) -> tuple[Meter, dict[str, float]]:
    """nbgrader's own loop, two commands per assignment, `autograde` then `generate_feedback` (only
    ``chunk``'s students if given, through nbgrader's own ``--CourseDirectory.student_id_exclude``),
    as ``calc4ml grade`` writes feedback too; also the wall time of each assignment."""
    per = {} if per is None else per
    exclude = [f"--CourseDirectory.student_id_exclude={','.join(_others(course, chunk))}"] if chunk else []
    with Meter() as m:
        for a in assignments:
            t0 = time.monotonic()
            for step in ("autograde", "generate_feedback"):
                # a class with broken notebooks exits 1; its grades (and the others' feedback) are still saved
                subprocess.run([str(BIN / "nbgrader"), step, a, "--force", *exclude], cwd=course, env=_env(),
                               capture_output=True)
            per[a] = per.get(a, 0.0) + time.monotonic() - t0
    return m, per


def journal_seconds(course: Path) -> dict[str, float]:
    """Worker-seconds per assignment, from calc4ml's journal of the run just made."""
    per: dict[str, float] = {}
    for e in journal_entries(course):
        per[e["assignment"]] = per.get(e["assignment"], 0.0) + e["seconds"]
    return per


def run_ours(course: Path, assignments: list[str], jobs: int | None, chunk: list[str] | None = None) -> Meter:
    cmd = [str(BIN / "calc4ml"), "--course", str(course), "grade", *assignments]  # feedback included, as in stock
    if jobs:
        cmd += ["--jobs", str(jobs)]
    for student in chunk or ():
        cmd += ["--student", student]
    with Meter() as m:
        subprocess.run(cmd, cwd=course, env=_env(), capture_output=True)
    return m


#: Seconds a cell may run in the floor, as Execute.timeout allows in grading.
CELL_TIMEOUT = 30


def _script(nb_path: Path) -> str:
    """The notebook's code cells, each under the same per-cell time limit as grading, errors ignored."""
    nb = nbformat.read(nb_path, as_version=4)
    parts = ["import signal\n"
             "def _timeout(*_):\n    raise TimeoutError\n"
             "signal.signal(signal.SIGALRM, _timeout)\n"]
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        code = "\n".join(l for l in cell.source.splitlines() if not l.lstrip().startswith(("%", "!")))
        parts.append(f"signal.alarm({CELL_TIMEOUT})\ntry:\n" + "".join(f"    {l}\n" for l in code.splitlines())
                     + "    pass\nexcept BaseException:\n    pass\nsignal.alarm(0)\n")
    return "\n".join(parts)


def _floor_scripts(course: Path, assignments: list[str]) -> tuple[Path, list[Path]]:
    """A folder per submitted notebook: the release's files and the notebook's code as run.py."""
    work = Path(tempfile.mkdtemp(prefix="floor-"))
    folders = []
    for a in assignments:
        for nb_path in sorted((course / "submitted").glob(f"*/{a}/{a}.ipynb")):
            folder = work / nb_path.parent.parent.name / a
            shutil.copytree(course / "release" / a, folder)
            (folder / "run.py").write_text(_script(nb_path))
            folders.append(folder)
    return work, folders


#: The floor's processes: no BLAS threads of their own, as in a graded kernel on a busy machine.
FLOOR_ENV = {"MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}


def run_floor(course: Path, assignments: list[str], jobs: int) -> tuple[Meter, dict[str, float]]:
    """Cold floor: every submitted notebook's code in a new plain python process (no Jupyter,
    no nbgrader), so each pays its own imports. Also the process-seconds per assignment."""
    work, folders = _floor_scripts(course, assignments)
    env = dict(_env(), **FLOOR_ENV)

    def one(folder: Path) -> tuple[str, float]:
        t0 = time.monotonic()
        try:
            subprocess.run([sys.executable, "run.py"], cwd=folder, env=env, capture_output=True,
                           stdin=subprocess.DEVNULL, timeout=600)
        except subprocess.TimeoutExpired:
            pass  # killed: counts with the time it took
        return folder.name, time.monotonic() - t0

    per: dict[str, float] = {}
    with Meter() as m:
        with cf.ThreadPoolExecutor(jobs) as pool:
            for a, seconds in pool.map(one, folders):
                per[a] = per.get(a, 0.0) + seconds
    shutil.rmtree(work, ignore_errors=True)
    return m, per


def run_warm_floor(course: Path, assignments: list[str], jobs: int) -> tuple[Meter, dict[str, float]]:
    """Warm floor: the same scripts, each in a process forked from a Python that has already
    imported numpy, pandas, matplotlib and the probe (benchmarks/floor_driver.py), one such
    Python per job: what calc4ml grade's fork server spares, spared here too. Nothing that runs
    these notebooks and imports those libraries can take less."""
    work, folders = _floor_scripts(course, assignments)
    env = dict(_env(), **FLOOR_ENV)
    todo = list(folders)
    lock = threading.Lock()
    per: dict[str, float] = {}

    def driver() -> None:
        proc = subprocess.Popen([sys.executable, str(Path(__file__).with_name("floor_driver.py"))], env=env,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        assert proc.stdin is not None and proc.stdout is not None
        while True:
            with lock:
                if not todo:
                    break
                folder = todo.pop(0)
            proc.stdin.write(f"{folder}\n")
            proc.stdin.flush()
            seconds = float(proc.stdout.readline())
            with lock:
                per[folder.name] = per.get(folder.name, 0.0) + seconds
        proc.stdin.close()
        proc.wait()

    with Meter() as m:
        threads = [threading.Thread(target=driver) for _ in range(jobs)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    shutil.rmtree(work, ignore_errors=True)
    return m, per


#: name printed -> how it is timed
FLOORS = {"cold": ("cold floor (python per notebook)", run_floor),
          "warm": ("warm floor (forked, preloaded)", run_warm_floor)}


# --------------------------------------------------------------------------------------------
# the farm (--scheduler): graders/run/farm.py on Dask distributed, the gradebook on PostgreSQL


def _farm_reset(course: Path, pg, assignments: list[str]) -> None:
    """A fresh PostgreSQL gradebook and no outputs: every configuration starts from the same state."""
    for folder in ("autograded", "feedback", ".calc4ml"):
        shutil.rmtree(course / folder, ignore_errors=True)
    pg.sql(f"DROP DATABASE IF EXISTS {pg.database} WITH (FORCE)")
    pg.sql(f"CREATE DATABASE {pg.database} OWNER {pg.user}")
    for a in assignments:
        subprocess.run([str(BIN / "nbgrader"), "generate_assignment", a, "--force"], cwd=course, env=_env(),
                       check=True, capture_output=True)


def _pg_stats(pg) -> dict[str, float]:
    """The gradebook database's counters (pg_stat_database): sessions, commits, rows written."""
    time.sleep(1.5)  # backends report their counters within a second of their last transaction
    row = pg.sql(
        f"SELECT sessions, xact_commit, tup_inserted + tup_updated + tup_deleted, tup_fetched "
        f"FROM pg_stat_database WHERE datname = '{pg.database}'", database=pg.database)
    keys = ("connections", "commits", "rows written", "rows read")
    return dict(zip(keys, (float(x) for x in row.strip().split("|"))))


class PeakConnections:
    """The most connections to the gradebook's database open at once, sampled every 0.25 s."""

    def __init__(self, pg) -> None:
        import psycopg

        self.conn = psycopg.connect(f"host=127.0.0.1 port={pg.port} user={pg.user} password={pg.password} "
                                    f"dbname={pg.database}", autocommit=True)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.25):
            (n,) = self.conn.execute("SELECT count(*) - 1 FROM pg_stat_activity WHERE datname = current_database()"
                                     ).fetchone()
            self.peak = max(self.peak, n)

    def __enter__(self) -> "PeakConnections":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.conn.close()


def _grade_timed(course: Path, assignments: list[str], extra: list[str], pg=None) -> tuple[Meter, str]:
    cmd = [str(BIN / "calc4ml"), "--course", str(course), "grade", *assignments, "--no-canary", "--quiet", *extra]
    with Meter() as m, PeakConnections(pg) as conns:
        out = subprocess.run(cmd, cwd=course, env=_env(), capture_output=True, text=True)
    m.connections = conns.peak  # type: ignore[attr-defined]
    if out.returncode not in (0, 1):
        raise SystemExit(f"calc4ml grade {' '.join(extra)} failed:\n{out.stdout}\n{out.stderr}")
    return m, out.stdout.strip().splitlines()[0] if out.stdout.strip() else ""


def _warm_workers(address: str, n: int) -> float:
    """Wait for ``n`` workers whose grading processes have started (fork servers warm); seconds."""
    from distributed import Client

    t0 = time.monotonic()
    with Client(address, timeout=60, set_as_default=False) as client:
        client.wait_for_workers(n, timeout=300)

        def warm(dask_worker):  # noqa: ANN001 - runs on the worker
            plugin = dask_worker.plugins["calc4ml-grading"]
            return len({plugin.pool.submit(os.getpid).result() for _ in range(4 * plugin.jobs)})

        client.run(warm)
    return time.monotonic() - t0


def dask_roundtrip(address: str, payload: int, tasks: int = 200) -> float:
    """Seconds per task of Dask alone: a no-op task carrying ``payload`` bytes (a notebook) and
    returning as much (its autograded copy), ``tasks`` of them, as many in flight as workers' threads."""
    from distributed import Client, as_completed

    blob = os.urandom(payload)
    with Client(address, timeout=60) as client:  # as_completed needs it as the default client
        threads = sum(client.nthreads().values())
        t0 = time.monotonic()
        futures = [client.submit(bytes, blob, pure=False) for _ in range(min(threads * 2, tasks))]
        sent = len(futures)
        done = as_completed(futures)
        for f in done:
            f.result()
            if sent < tasks:
                done.add(client.submit(bytes, blob, pure=False))
                sent += 1
        return (time.monotonic() - t0) / tasks * threads


def farm_benchmark(args: argparse.Namespace) -> None:
    """Local pool, a farm of 1 worker and one of 2 workers on this machine's cores, same class,
    same PostgreSQL gradebook (fresh for each), grades compared; then Dask's own cost per task."""
    sys.path.insert(0, str(ROOT / "tools"))
    from servers import DaskFarm, start_postgres

    cores = os.cpu_count() or 1
    jobs = args.jobs or cores
    course = Path(tempfile.mkdtemp(prefix="bench-farm-")) / "course"
    # one snapshot of graders for the instructor's side and every worker, as one deployment has:
    # workers refuse tasks hashed under other graders, and a checkout may be edited meanwhile
    shutil.copytree(ROOT / "graders", course.parent / "frozen" / "graders", ignore=shutil.ignore_patterns("__pycache__"))
    os.environ["PYTHONPATH"] = str(course.parent / "frozen")
    n = build_course(course, args.per_assignment, args.assignments)
    sizes = [p.stat().st_size for p in (course / "submitted").glob("*/*/*.ipynb")]
    pg = start_postgres()
    farm = None
    try:
        with open(course / "nbgrader_config.py", "a") as f:
            f.write(f"\nc.CourseDirectory.db_url = {pg.url!r}\n")
        print(f"{n} submissions ({args.per_assignment} per assignment x {len(args.assignments)}), {cores} cores, "
              f"{jobs} kernels at once in every configuration, gradebook PostgreSQL {pg.sql('SHOW server_version').strip()}",
              flush=True)
        rows: list[tuple[str, Meter, str, float]] = []
        scores = {}
        load: dict[str, dict[str, float]] = {}
        configs = [("local pool", 0), ("farm, 1 worker", 1), ("farm, 2 workers", 2)]
        for rnd in range(args.rounds):
            for name, workers in configs:
                _farm_reset(course, pg, args.assignments)
                before = _pg_stats(pg)
                setup = 0.0
                if workers:
                    farm = DaskFarm(course.parent / f"dask-{workers}-{rnd}")
                    t0 = time.monotonic()
                    for _ in range(workers):
                        farm.add_worker(course, jobs=max(1, jobs // workers))
                    _warm_workers(farm.address, workers)
                    setup = time.monotonic() - t0
                    m, line = _grade_timed(course, args.assignments, ["--scheduler", farm.address], pg)
                else:
                    m, line = _grade_timed(course, args.assignments, ["--jobs", str(jobs)], pg)
                scores[name] = cell_scores(course, args.assignments)
                after = _pg_stats(pg)
                load[name] = {k: (after[k] - before[k]) / n for k in after}
                load[name]["peak connections at once"] = float(m.connections)
                rows.append((name, m, line, setup))
                if f"graded {n} of {n} " not in line:
                    raise SystemExit(f"{name}: not every submission was graded: {line}")
                print(f"round {rnd + 1}: {name}: {m.wall:.1f} s ({n / m.wall:.3f} nb/s){f', workers set up in {setup:.1f} s' if workers else ''}: {line}",
                      flush=True)
                if workers and not (rnd == args.rounds - 1 and workers == 2):
                    farm.close()
                    farm = None
        assert farm is not None
        per_task = dask_roundtrip(farm.address, int(sorted(sizes)[len(sizes) // 2]))
        back = sorted(sum(p.stat().st_size for d in ("autograded", "feedback") for p in (course / d / s / a).rglob("*")
                          if p.is_file()) for s, a in (f.parts[-2:] for f in (course / "submitted").glob("*/*")))
        returned = back[len(back) // 2]
        differ = {name: sum(scores[name].get(k) != v for k, v in scores["local pool"].items()) + len(
            set(scores[name]) - set(scores["local pool"])) for name in scores}
    finally:
        if farm is not None:
            farm.close()
        pg.stop()
        if not args.keep:
            shutil.rmtree(course.parent, ignore_errors=True)

    walls = {name: sum(m.wall for nm, m, _, _ in rows if nm == name) for name, _ in configs}
    cpus = {name: sum(m.cpu for nm, m, _, _ in rows if nm == name) for name, _ in configs}
    total = n * args.rounds
    print()
    print(f"{'configuration':<18} {'wall s':>9} {'nb/s':>7} {'CPU s/nb':>9} {'vs local pool':>14}")
    for name, _ in configs:
        print(f"{name:<18} {walls[name]:9.1f} {total / walls[name]:7.3f} {cpus[name] / total:9.2f} "
              f"{(walls[name] / walls['local pool'] - 1) * 100:+13.1f}%")
    local_per_nb = walls["local pool"] / total
    print(f"overhead of the farm per task (wall, same cores): 1 worker {(walls['farm, 1 worker'] - walls['local pool']) / total * 1000:+.0f} ms, "
          f"2 workers {(walls['farm, 2 workers'] - walls['local pool']) / total * 1000:+.0f} ms (a notebook takes "
          f"{local_per_nb * 1000:.0f} ms of the local pool's wall time)")
    print(f"Dask alone: {per_task * 1000:.1f} ms per task per thread for a {sorted(sizes)[len(sizes) // 2] / 1024:.0f} KiB "
          f"notebook there and back = {per_task / (local_per_nb * jobs) * 100:.2f}% of a notebook's grading")
    for name, per in load.items():
        print(f"gradebook load per submission ({name}): " + ", ".join(f"{v:.1f} {k}" for k, v in per.items()))
    print(f"submission size: median {sorted(sizes)[len(sizes) // 2] / 1024:.0f} KiB, largest {max(sizes) / 1024:.0f} KiB; "
          f"what a task returns (autograded folder + feedback): median {returned / 1024:.0f} KiB")
    print(f"grades: cells compared {len(scores['local pool'])}; cells that differ from the local pool: "
          + ", ".join(f"{k} {v}" for k, v in differ.items()))
    if any(differ.values()):
        raise SystemExit("grades differ")


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Feedback is inside both measured times: stock runs `nbgrader generate_feedback` after each "
               "`nbgrader autograde`, calc4ml grade's workers write each submission's feedback after grading it.")
    ap.add_argument("--per-assignment", type=int, default=100)
    ap.add_argument("--assignments", nargs="*", default=list(ASSIGNMENTS))
    ap.add_argument("--jobs", type=int, default=None, help="kernels at once in calc4ml grade (default: all cores)")
    ap.add_argument("--keep", action="store_true", help="keep the throw-away course")
    ap.add_argument("--floor-only", metavar="COURSE", help="only time the floors on a course kept by --keep")
    ap.add_argument("--floors", default="cold,warm", help="which floors to time (default: cold,warm)")
    ap.add_argument("--rounds", type=int, default=1,
                    help="interleave: stock and ours take turns on this many slices of the class (default: 1, "
                         "stock on everything, then ours)")
    ap.add_argument("--scheduler", choices=["local"], default=None,
                    help="measure the grading farm instead: start PostgreSQL and a loopback Dask scheduler here, "
                         "grade with the local pool, a farm of 1 worker and of 2 workers (same cores, same "
                         "gradebook), and print notebooks/s, the farm's overhead per task and Dask's own")
    args = ap.parse_args()
    if args.scheduler:
        farm_benchmark(args)
        return

    cores = os.cpu_count() or 1
    if args.floor_only:
        course = Path(args.floor_only)
        n = len(list((course / "submitted").glob("*/*/*.ipynb")))
        for name, run in (FLOORS[f] for f in args.floors.split(",")):
            floor, per = run(course, args.assignments, cores)
            print(f"{name}: {floor.wall:.1f} s for {n} notebooks: {n / floor.wall:.2f} nb/s, "
                  f"{floor.cpu / n:.2f} s CPU/nb, {floor.peak / 2**20:.0f} MiB peak; per assignment "
                  + ", ".join(f"{a} {per.get(a, 0.0) / cores:.1f} s" for a in args.assignments), flush=True)
        return
    course = Path(tempfile.mkdtemp(prefix="bench-course-")) / "course"
    n = build_course(course, args.per_assignment, args.assignments)
    print(f"{n} submissions ({args.per_assignment} per assignment x {len(args.assignments)}), {cores} cores, course {course}")

    if args.rounds <= 1:
        reset_grades(course, args.assignments)
        stock, stock_per = run_stock(course, args.assignments)
        stock_scores = cell_scores(course, args.assignments)
        print(f"stock done in {stock.wall:.1f} s ({stock.cpu:.0f} s CPU, peak {stock.peak / 2**20:.0f} MiB)", flush=True)

        reset_grades(course, args.assignments)
        ours = run_ours(course, args.assignments, args.jobs)
        our_scores = cell_scores(course, args.assignments)
        ours_per = journal_seconds(course)
    else:
        # Interleaved: the machine's speed drifts by 10% within minutes, and stock takes 40 of
        # them. Stock and ours take turns on the same slices of the class (every K-th student),
        # each into its own copy of the course, so drift falls on both alike. Ours pays its
        # workers' start-up once per round.
        ours_course = course.parent / "course-ours"
        shutil.copytree(course, ours_course)
        for c in (course, ours_course):
            reset_grades(c, args.assignments)
        students = sorted(p.name for p in (course / "submitted").iterdir() if p.is_dir())
        stock, ours, stock_per = Rounds(), Rounds(), {}
        for r in range(args.rounds):
            chunk = students[r::args.rounds]
            m, _ = run_stock(course, args.assignments, chunk, stock_per)
            stock.add(m)
            o = run_ours(ours_course, args.assignments, args.jobs, chunk)
            ours.add(o)
            print(f"round {r + 1}/{args.rounds}: {len(chunk)} students, stock {m.wall:.1f} s, ours {o.wall:.1f} s "
                  f"({m.wall / o.wall:.2f}x)", flush=True)
        stock_scores = cell_scores(course, args.assignments)
        our_scores = cell_scores(ours_course, args.assignments)
        ours_per = journal_seconds(ours_course)
        print(f"stock done in {stock.wall:.1f} s ({stock.cpu:.0f} s CPU, peak {stock.peak / 2**20:.0f} MiB)", flush=True)
    print(f"ours done in {ours.wall:.1f} s ({ours.cpu:.0f} s CPU, peak {ours.peak / 2**20:.0f} MiB)", flush=True)

    differ = sorted(k for k in set(stock_scores) | set(our_scores) if stock_scores.get(k) != our_scores.get(k))
    graded_stock = len({k[:2] for k in stock_scores})
    graded_ours = len({k[:2] for k in our_scores})
    print(f"submissions graded: stock {graded_stock}, ours {graded_ours}; cells compared {len(stock_scores)}; "
          f"cells that differ: {len(differ)}", flush=True)

    floors = {f: FLOORS[f][1](course, args.assignments, cores) for f in args.floors.split(",") if f}

    def row(name: str, m: Meter | Rounds) -> str:
        return (f"{name:<32} {m.wall:9.1f} s {n / m.wall:8.2f} nb/s {m.cpu / n:8.2f} s CPU/nb "
                f"{m.peak / 2**20:8.0f} MiB peak")

    print()
    print(row("stock autograde + feedback", stock))
    print(row("calc4ml grade (+ feedback)", ours))
    for f, (m, _) in floors.items():
        print(row(FLOORS[f][0], m))
    print(f"speed-up ours/stock: {stock.wall / ours.wall:.2f}x wall"
          + "".join(f"; ours is {ours.wall / m.wall:.2f}x the {f} floor" for f, (m, _) in floors.items()))
    if "warm" in floors:
        print(f"ceiling: nothing that runs these notebooks with these libraries beats the warm floor, so "
              f"stock/warm floor = {stock.wall / floors['warm'][0].wall:.2f}x is the most any grader could gain "
              f"on this mix with {cores} cores")
    # a journaled submission's seconds include its wait for a kernel slot: split over the workers
    workers = (args.jobs or cores) + EXTRA_WORKERS
    print()
    print(f"per assignment (ours: worker-seconds / {workers} workers; floors: process-seconds / {cores} cores; "
          "the wall time of an even split)")
    print(f"{'assignment':<24} {'stock s':>9} {'ours s':>9}" + "".join(f" {f + ' s':>9}" for f in floors)
          + f" {'stock/ours':>11}" + "".join(f" {'stock/' + f:>11}" for f in floors))
    for a in args.assignments:
        o = ours_per.get(a, 0.0) / workers
        fl = [per.get(a, 0.0) / cores for _, per in floors.values()]
        print(f"{a:<24} {stock_per[a]:9.1f} {o:9.1f}" + "".join(f" {w:9.1f}" for w in fl)
              + f" {stock_per[a] / max(o, 1e-9):10.2f}x" + "".join(f" {stock_per[a] / max(w, 1e-9):10.2f}x" for w in fl))
    for k in differ[:20]:
        print(f"  {k}: stock {stock_scores.get(k)} ours {our_scores.get(k)}")
    if not args.keep:
        shutil.rmtree(course.parent, ignore_errors=True)
    if differ:
        raise SystemExit("grades differ")


if __name__ == "__main__":
    main()
