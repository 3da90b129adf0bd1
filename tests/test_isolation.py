"""Kernels that cannot touch one another, the fork server or the grading machine (issue 14):
own PID, user and mount namespaces, bounded writes and processes, limits that fail closed, and a
fork-server reset that nothing a student leaves behind survives."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import graders
from graders.run import isolate
from graders.run.fastgrade import ForkServer, ForkServerKernelManager
from graders.run.sandbox import UNSAFE_NO_PROCESS_LIMIT_ENV
from test_fastgrade import _run

#: a root grader on a machine without a writable pids cgroup, told to go on without the limit
NO_PROCESS_LIMIT = os.geteuid() == 0 and os.environ.get(UNSAFE_NO_PROCESS_LIMIT_ENV) == "1"

pytestmark = pytest.mark.skipif(shutil.which("bwrap") is None,
                                reason="bubblewrap is not installed (make install installs it as root)")


async def _kernels(fork_server: ForkServer, runs: list[tuple[Path, str]]) -> list[str]:
    ForkServerKernelManager.fork_server = fork_server
    try:
        outputs = []
        for folder, code in runs:
            km = ForkServerKernelManager(kernel_name="python3")
            await km.start_kernel(cwd=str(folder))
            kc = km.client()
            kc.start_channels()
            await kc.wait_for_ready(timeout=60)
            outputs.append(await _run(kc, textwrap.dedent(code)))
            kc.stop_channels()
            await km.shutdown_kernel(now=True)
        return outputs
    finally:
        ForkServerKernelManager.fork_server = None


def _in_kernels(fork_server: ForkServer, runs: list[tuple[Path, str]]) -> list[str]:
    # a thread of its own: playwright's sync API (the browser tests) may hold this thread's event loop
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, _kernels(fork_server, runs)).result()


@pytest.fixture
def fork_server():
    z = ForkServer()
    yield z
    z.close()


SABOTEUR = """
    import os, signal, subprocess, sys
    # a double-forked, setsid'd process that outlives the kernel if it can
    subprocess.Popen([sys.executable, "-c", "import os, time\\nif os.fork() == 0:\\n os.setsid(); time.sleep(600)"])
    os.makedirs("/tmp/.ipython/profile_default/startup", exist_ok=True)
    open("/tmp/.ipython/profile_default/startup/evil.py", "w").write("EVIL = 1")
    for base in ("/tmp", ".", "/dev/shm"):
        os.makedirs(f"{base}/locked/deep", exist_ok=True)
        open(f"{base}/locked/deep/note", "w").write("for the next student")
        os.chmod(f"{base}/locked/deep", 0o500); os.chmod(f"{base}/locked", 0o500)
    open("sitecustomize.py", "w").write("EVIL = 1")
    open("startup.py", "w").write("EVIL = 1")
    os.environ.update(PYTHONSTARTUP=os.path.abspath("startup.py"), LD_PRELOAD="/tmp/evil.so")
    print("pid", os.getpid())
    killed = 0
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                os.kill(int(p), signal.SIGKILL); killed += 1
            except OSError:
                pass
    print("tried to kill", len([p for p in os.listdir("/proc") if p.isdigit()]), "processes")
"""

OBSERVER = """
    import os
    readable = []
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                readable.append(open(f"/proc/{p}/cmdline").read().replace("\\0", " ").strip())
            except OSError:
                pass
    print("procs", sorted(readable))
    print("tmp", sorted(os.listdir("/tmp")), "shm", sorted(os.listdir("/dev/shm")))
    print("files", sorted(os.listdir(".")))
    print("env", sorted(k for k in os.environ if k in ("PYTHONSTARTUP", "LD_PRELOAD")))
    print("evil", "EVIL" in globals())
"""


def test_a_kernel_leaves_nothing_for_the_next_and_cannot_reach_the_fork_server(tmp_path: Path, fork_server: ForkServer) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir(), second.mkdir()
    (first / "alice.txt").write_text("a")
    (second / "bob.txt").write_text("b")
    fork_server.start()
    server = fork_server.proc.pid
    one, two = _in_kernels(fork_server, [(first, SABOTEUR), (second, OBSERVER)])
    assert "pid 1\n" in one, one  # PID 1 of a namespace of its own
    assert fork_server.alive() and fork_server.proc.pid == server, "the fork server survived the kill-everything kernel"
    assert fork_server.renewals == 0, "the reset was clean: nothing survived it"
    procs = eval(two.split("procs ")[1].splitlines()[0])  # noqa: S307 - a list of strings we printed
    assert len(procs) == 1, two  # itself (a fork of the fork server, hence its command line); nothing else
    tmp = eval(two.split("tmp ")[1].split(" shm")[0])  # noqa: S307
    # a fresh /tmp: its own IPython folder, matplotlib's, and the ways to what the sandbox binds
    # below /tmp (its connection folder; the venv, the graders, a checkout when they live there)
    bound = {Path(p).parts[2] for p in (sys.prefix, graders.__file__, fork_server.root, fork_server.private)
             if str(p).startswith("/tmp/")}
    assert sorted(set(tmp) - bound) == [".ipython", "matplotlib"], two
    assert ".ipython/profile_default/startup" not in two and "shm []" in two, two
    assert "files ['bob.txt']" in two, two
    assert "env []" in two and "evil False" in two, two
    assert sorted(p.name for p in first.iterdir()) == ["alice.txt"], "nothing came back to the submission folder"
    assert sorted(p.name for p in fork_server.slot.iterdir()) == ["bob.txt"]


def test_limits_are_applied_inside_every_kernel_and_writes_and_processes_are_bounded(tmp_path: Path, fork_server: ForkServer) -> None:
    mib = 1024**2
    out, = _in_kernels(fork_server, [(tmp_path, f"""
        import os, resource, subprocess
        print("as", resource.getrlimit(resource.RLIMIT_AS)[0], "cpu", resource.getrlimit(resource.RLIMIT_CPU)[0],
              "nproc", resource.getrlimit(resource.RLIMIT_NPROC)[0], "fsize", resource.getrlimit(resource.RLIMIT_FSIZE)[0])
        def fill(folder):
            written, chunk = 0, b"x" * {mib}
            try:
                for i in range(2000):
                    with open(f"{{folder}}/big{{i}}", "wb") as f:
                        for _ in range(32):
                            f.write(chunk); written += 1
            except OSError as e:
                return written, type(e).__name__
            return written, "no limit"
        for folder in (".", "/tmp", "/dev/shm"):
            print("wrote", folder, *fill(folder))
        try:
            huge = open("/tmp/one", "wb")
            huge.write(b"x" * ({isolate.MAX_FILE_BYTES} + {mib})); huge.close(); print("fsize no limit")
        except OSError as e:
            print("fsize", type(e).__name__)
        procs = []
        try:
            for _ in range({isolate.MAX_PROCESSES} + 50):
                procs.append(subprocess.Popen(["sleep", "60"]))
            print("spawned all")
        except OSError as e:
            print("spawned", len(procs), "then", type(e).__name__)
        for p in procs:
            p.kill()
    """)])
    assert (f"as {isolate.MEMORY_LIMIT_BYTES} cpu {isolate.CPU_LIMIT_SECONDS} nproc {isolate.MAX_PROCESSES} "
            f"fsize {isolate.MAX_FILE_BYTES}") in out, out
    for folder, cap in ((".", isolate.WORK_BYTES), ("/tmp", isolate.TMP_BYTES), ("/dev/shm", isolate.SHM_BYTES)):
        line = next(l for l in out.splitlines() if l.startswith(f"wrote {folder} "))
        written, why = int(line.split()[2]), line.split()[3]
        assert why == "OSError" and written * mib <= cap, line  # ENOSPC at the tmpfs's size
    assert "fsize OSError" in out, out  # EFBIG: Python ignores SIGXFSZ
    spawned = next(l for l in out.splitlines() if l.startswith("spawned"))
    if NO_PROCESS_LIMIT:
        print(f"process limit not checked: {UNSAFE_NO_PROCESS_LIMIT_ENV}=1 (no writable pids cgroup for a root grader)")
    else:
        assert spawned != "spawned all" and int(spawned.split()[1]) < isolate.MAX_PROCESSES, spawned
    assert sorted(p.name for p in tmp_path.iterdir()) == [], "nothing the kernel wrote reached the grading machine"


def test_a_step_of_isolation_that_fails_stops_the_kernel_instead_of_running_it_unconfined(tmp_path: Path) -> None:
    # a threaded process cannot enter a new user namespace: enter() must refuse, not go on
    code = ("import sys, threading, time; sys.path.insert(0, sys.argv[1]); import isolate\n"
            "threading.Thread(target=time.sleep, args=(5,), daemon=True).start()\n"
            "try:\n    isolate.enter(sys.argv[2]); print('ENTERED')\n"
            "except isolate.IsolationError as e:\n    print('refused:', e)\n")
    proc = subprocess.run([sys.executable, "-c", code, str(Path(isolate.__file__).parent), str(tmp_path)],
                          capture_output=True, text=True, timeout=60)
    assert "ENTERED" not in proc.stdout and proc.stdout.startswith("refused: unshare"), proc.stdout + proc.stderr


def test_a_reset_removes_folders_made_read_only_even_without_privileges(tmp_path: Path, fork_server: ForkServer) -> None:
    # inside a kernel: no capability at all, so file permissions bind as for an unprivileged grader
    out, = _in_kernels(fork_server, [(tmp_path, """
        import os, shutil
        from graders.run.forkserver import _empty
        def plant(box):
            os.makedirs(f"{box}/locked/deep")
            open(f"{box}/locked/deep/note", "w").write("for the next student")
            os.chmod(f"{box}/locked/deep", 0o500); os.chmod(f"{box}/locked", 0o000)
        plant("/tmp/old"); shutil.rmtree("/tmp/old", ignore_errors=True)
        print("rmtree left", os.path.exists("/tmp/old"))
        plant("/tmp/new/box")
        print("empty left", _empty("/tmp/new", []), os.listdir("/tmp/new"))
    """)])
    assert "rmtree left True" in out, out  # what the reset used to do leaves the student's folder
    assert "empty left [] []" in out, out


def test_a_fork_server_whose_reset_left_something_is_thrown_away_and_grading_goes_on(tmp_path: Path, fork_server: ForkServer) -> None:
    fork_server.start()
    first_root, first_pid = fork_server.root, fork_server.proc.pid
    calls = []

    def stuck() -> bool:  # as if a file in the slot could not be removed
        calls.append(1)
        return len(calls) > 1

    fork_server._empty_slot = stuck  # type: ignore[method-assign]
    out, = _in_kernels(fork_server, [(tmp_path, "print(6 * 7)")])
    assert out.strip() == "42"
    assert fork_server.renewals == 1 and fork_server.root != first_root and fork_server.proc.pid != first_pid
    assert not first_root.exists(), "the old sandbox's folders are gone"


def test_folders_of_a_fork_server_whose_worker_was_killed_are_removed_by_the_next() -> None:
    import tempfile

    from graders.run.fastgrade import OWNER_FILE

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    orphan = Path(tempfile.mkdtemp(prefix="calc4ml-forkserver-"))
    (orphan / "work").mkdir(mode=0o500)
    (orphan / OWNER_FILE).write_text(str(dead.pid))
    alive = Path(tempfile.mkdtemp(prefix="calc4ml-kernels-"))
    (alive / OWNER_FILE).write_text(str(os.getpid()))
    z = ForkServer()
    try:
        assert not orphan.exists(), "a dead worker's folders go"
        assert alive.exists(), "a live worker's stay"
    finally:
        z.close()
        isolate.remove_tree(str(alive))
