"""Real servers for the tests and the benchmarks, started on loopback: PostgreSQL and a Dask
cluster (the grading farm's), and the two helpers every server fixture uses (a free port, and
waiting until a started server answers).

* :func:`start_postgres`: Debian's ``postgresql`` (``initdb``/``pg_ctl`` from
  ``/usr/lib/postgresql/<v>/bin``) in a temporary folder, run as an unprivileged user (as root,
  ``postgres`` or ``nobody`` through ``runuser``), listening on 127.0.0.1 only, password
  (scram-sha-256) for TCP; :func:`postgres_missing` says why it cannot be started, or ''.
* :class:`DaskFarm`: a real ``dask scheduler`` on 127.0.0.1 and ``dask worker`` processes, each
  loading :mod:`graders.run.farm`'s plugin on its own course copy, each in its own process group.
"""

from __future__ import annotations

import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

BIN = Path(sys.executable).parent

__all__ = ["postgres_missing", "start_postgres", "Postgres", "DaskFarm", "free_port", "wait_until_up"]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(probe: Callable[[], object], proc: subprocess.Popen, what: str, *, timeout: float,
                  log_tail: Callable[[], str] = lambda: "", poll: float = 0.25) -> None:
    """Call ``probe`` until it returns (the server answers; ``OSError`` and ``ValueError`` mean
    not yet). Fail naming ``what``, with the tail of its log, if ``proc`` exits or ``timeout``
    seconds pass first."""
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise AssertionError(f"{what} exited with {proc.returncode}:\n{log_tail()}")
        try:
            probe()
            return
        except (OSError, ValueError):
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not answer within {timeout} s:\n{log_tail()}")
        time.sleep(poll)


def _pg_bin() -> Path | None:
    for name in ("initdb", "pg_ctl"):
        found = shutil.which(name)
        if found:
            return Path(found).resolve().parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return versions[-1].parent if versions else None


def _server_user() -> str | None:
    """The unprivileged user the server runs as when we are root (initdb refuses root)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    return None


def postgres_missing() -> str:
    """'' if a PostgreSQL server can be started here, else why not."""
    if _pg_bin() is None:
        return "PostgreSQL is not installed (Debian: apt-get install postgresql; .ci/run does it as root)"
    if os.geteuid() == 0 and (_server_user() is None or shutil.which("runuser") is None):
        return "running as root with no unprivileged user (postgres, nobody) or no runuser to start PostgreSQL as"
    return ""


@dataclass
class Postgres:
    folder: Path
    port: int
    user: str
    password: str
    database: str
    run_as: str | None
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log = self.folder / "server.log"

    @property
    def url(self) -> str:
        """nbgrader's ``db_url`` (SQLAlchemy with the psycopg 3 driver)."""
        return f"postgresql+psycopg://{self.user}:{self.password}@127.0.0.1:{self.port}/{self.database}"

    def _cmd(self, *argv: str) -> list[str]:
        return ["runuser", "-u", self.run_as, "--", *argv] if self.run_as else list(argv)

    def sql(self, statement: str, database: str = "postgres") -> str:
        """Run SQL as the superuser over the server's Unix socket (trust, local only)."""
        psql = _pg_bin() / "psql"  # type: ignore[operator]
        out = subprocess.run(self._cmd(str(psql), "-h", str(self.folder / "socket"), "-p", str(self.port), "-d", database,
                                       "-v", "ON_ERROR_STOP=1", "-At", "-c", statement),
                             capture_output=True, text=True, timeout=60, cwd=self.folder)
        if out.returncode:
            raise RuntimeError(f"psql failed: {out.stderr}")
        return out.stdout

    def new_database(self, name: str) -> str:
        """A new database owned by the user; its ``db_url``."""
        self.sql(f"CREATE DATABASE {name} OWNER {self.user}")
        return self.url.rsplit("/", 1)[0] + f"/{name}"

    def stop(self) -> None:
        subprocess.run(self._cmd(str(_pg_bin() / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate",  # type: ignore[operator]
                                 "stop"), capture_output=True, timeout=60, cwd=self.folder)
        shutil.rmtree(self.folder, ignore_errors=True)


def start_postgres(database: str = "calc4ml", user: str = "grader") -> Postgres:
    """A fresh PostgreSQL cluster in a temporary folder, with ``database`` owned by ``user``."""
    why = postgres_missing()
    if why:
        raise RuntimeError(why)
    pg = _pg_bin()
    assert pg is not None
    run_as = _server_user()
    folder = Path(tempfile.mkdtemp(prefix="calc4ml-pg-"))
    (folder / "socket").mkdir()
    if run_as:
        info = pwd.getpwnam(run_as)
        for p in (folder, folder / "socket"):
            os.chown(p, info.pw_uid, info.pw_gid)
    server = Postgres(folder, free_port(), user, secrets.token_hex(12), database, run_as)
    pwfile = folder / "pw"
    pwfile.write_text("unused-superuser-password\n")
    if run_as:
        os.chown(pwfile, pwd.getpwnam(run_as).pw_uid, -1)

    def run(*argv: str) -> None:
        out = subprocess.run(server._cmd(*argv), capture_output=True, text=True, timeout=300, cwd=folder)
        if out.returncode:
            raise RuntimeError(f"{argv[0]} failed: {out.stdout}\n{out.stderr}")

    run(str(pg / "initdb"), "-D", str(folder / "data"), "-U", "postgres", "--pwfile", str(pwfile), "-A", "trust",
        "--no-sync", "-E", "UTF8", "--locale", "C")
    # TCP on loopback only, with a password; the Unix socket (in our folder) for setting up
    (folder / "data" / "pg_hba.conf").write_text("local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n")
    opts = (f"-c listen_addresses=127.0.0.1 -c port={server.port} -c unix_socket_directories={folder / 'socket'} "
            "-c max_connections=200 -c fsync=on")
    run(str(pg / "pg_ctl"), "-D", str(folder / "data"), "-l", str(server.log), "-o", opts, "-w", "-t", "120", "start")
    server.sql(f"CREATE ROLE {user} LOGIN PASSWORD '{server.password}'")
    server.sql(f"CREATE DATABASE {database} OWNER {user}")
    return server


class DaskFarm:
    """A ``dask scheduler`` on 127.0.0.1 and ``dask worker`` processes with the grading plugin."""

    def __init__(self, folder: Path, *, allowed_failures: int = 2, env: dict[str, str] | None = None) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.env = dict(os.environ, PATH=f"{BIN}:{os.environ.get('PATH', '')}",
                        DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES=str(allowed_failures),
                        DASK_DISTRIBUTED__SCHEDULER__WORKER_SATURATION="1.0",
                        # a nanny's worker must be able to start the grading processes
                        DASK_DISTRIBUTED__WORKER__DAEMON="False", **(env or {}))
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.scheduler = self._spawn("scheduler", [str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port",
                                                   str(self.port), "--no-dashboard"])
        self.workers: list[subprocess.Popen] = []
        self._wait_port()

    def _spawn(self, name: str, argv: list[str]) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "ab")
        return subprocess.Popen(argv, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                cwd=self.folder)

    def _wait_port(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if self.scheduler.poll() is not None:
                    break
                time.sleep(0.2)
        raise RuntimeError(f"the dask scheduler did not start: {(self.folder / 'scheduler.log').read_text()[-2000:]}")

    def add_worker(self, course: Path, *, jobs: int = 1, nthreads: int | None = None, nanny: bool = False
                   ) -> subprocess.Popen:
        """A ``dask worker`` grading ``course`` with ``jobs`` kernel slots (``--nthreads jobs + 1``)."""
        argv = [str(BIN / "dask"), "worker", self.address, "--host", "127.0.0.1", "--nthreads",
                str(nthreads or jobs + 1), "--no-dashboard", "--memory-limit", "0", "--death-timeout", "60",
                "--name", f"grader-{len(self.workers)}", "--nanny" if nanny else "--no-nanny",
                "--preload", "graders.run.farm", "--calc4ml-course", str(course), "--calc4ml-jobs", str(jobs)]
        proc = self._spawn(f"worker-{len(self.workers)}", argv)
        self.workers.append(proc)
        return proc

    def wait_for_workers(self, n: int, timeout: float = 180) -> None:
        from distributed import Client

        with Client(self.address, timeout=60, set_as_default=False) as client:
            client.wait_for_workers(n, timeout=timeout)

    def processing(self) -> dict[str, list[str]]:
        """Task keys each worker is running now, by worker name."""
        from distributed import Client

        with Client(self.address, timeout=30, set_as_default=False) as client:
            names = {a: w.get("name") for a, w in client.scheduler_info(n_workers=-1)["workers"].items()}
            return {str(names.get(a, a)): [str(k) for k in keys] for a, keys in client.processing().items()}

    def worker_pid(self, index: int) -> int:
        return self.workers[index].pid

    def worker_pids(self) -> dict[str, int]:
        """The pid of each worker process (a nanny's child, with a nanny), by worker name."""
        from distributed import Client

        with Client(self.address, timeout=30, set_as_default=False) as client:
            names = {a: w.get("name") for a, w in client.scheduler_info(n_workers=-1)["workers"].items()}
            return {str(names.get(a, a)): pid for a, pid in client.run(os.getpid).items()}

    def kill_scheduler(self) -> None:
        os.killpg(self.scheduler.pid, signal.SIGKILL)
        self.scheduler.wait()

    def close(self) -> None:
        for proc in [*self.workers, self.scheduler]:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for proc in [*self.workers, self.scheduler]:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in sorted(self.folder.glob("*.log")))


if __name__ == "__main__":  # a quick look by hand: start PostgreSQL, print its URL, stop it
    server = start_postgres()
    print(json.dumps({"url": server.url, "version": server.sql("SHOW server_version").strip()}))
    server.stop()
