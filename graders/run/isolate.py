"""Put one student kernel in namespaces of its own, inside the grading sandbox, with every limit.

Both grading paths start a kernel through :func:`enter`: stock ``nbgrader autograde`` runs
``python -m graders.run.isolate WORKDIR -- <kernel command>`` inside bubblewrap
(:mod:`graders.run.sandbox`), and the fork server (:mod:`graders.run.forkserver`) calls it in each forked
child before it becomes an ipykernel. After :func:`enter` returns, the calling process is PID 1
of a new PID namespace, in a new user and mount namespace, and

* sees no other process: not the fork server, not bubblewrap, not an earlier kernel (their
  ``/proc`` entries are covered), and can signal none of them (they are not in its namespace);
  when it dies, every process it started dies with it (``setsid`` and double forks included);
* writes only to private, size-limited tmpfs mounts that vanish with it: its working folder
  (a copy of the submission folder), ``/tmp`` and ``/dev/shm``; nothing it writes comes back
  to the grading machine's disk or reaches the next kernel;
* runs with resource limits (address space, CPU seconds, processes, file size, no core dumps)
  and no capabilities, under ``no_new_privs``.

Every step fails closed: if one cannot be applied, :class:`IsolationError` is raised and the
kernel does not start, which grading reports as a fault of the environment, never as a grade.
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
import sys
from typing import Sequence

__all__ = [
    "enter", "IsolationError", "MEMORY_LIMIT_BYTES", "CPU_LIMIT_SECONDS", "MAX_PROCESSES", "MAX_FILE_BYTES",
    "WORK_BYTES", "TMP_BYTES", "SHM_BYTES", "SECURE_BITS", "remove_tree", "seal", "run_kernel", "mount_points",
]

#: Address-space cap of a kernel: numpy/pandas/matplotlib need ~1 GiB of mappings; the
#: course's exercises need a few MB of data. 3 GiB stops a memory bomb long before the
#: machine (24 GiB) feels it.
MEMORY_LIMIT_BYTES = 3 * 1024**3
#: CPU seconds a kernel may use over its whole life; a notebook needs ~5 s, the slowest
#: correct style (a per-example loop in w3) about 60 s. Per-cell budgets are Execute's.
CPU_LIMIT_SECONDS = 600
#: Processes (threads count too) the kernel's user may have at once in its namespace: ipykernel
#: runs ~10 threads, numpy's BLAS one (OMP_NUM_THREADS=1); PrairieLearn allows 1024 per
#: container. 256 stops a fork bomb while leaving a student's multiprocessing pool room.
MAX_PROCESSES = 256
#: Largest file a kernel may write (EFBIG beyond): the course's data files are < 1 MB.
MAX_FILE_BYTES = 64 * 1024**2
#: Size of the private tmpfs holding the kernel's working folder (a copy of the submission:
#: notebook and data, < 2 MB) and of its /tmp and /dev/shm. They are memory, so they are small:
#: PrairieLearn's grading containers get a 1 GiB disk quota; these add up to 576 MiB.
WORK_BYTES = 256 * 1024**2
TMP_BYTES = 256 * 1024**2
SHM_BYTES = 64 * 1024**2
#: Secure bits of the kernel (locked): a uid-0 kernel (the grader runs as root) gains no
#: capability from ``execve`` (a subprocess), and cannot get any back through setuid tricks.
#: NOROOT, NO_SETUID_FIXUP and NO_CAP_AMBIENT_RAISE, each with its lock, and KEEP_CAPS locked off.
SECURE_BITS = 0b11101111

_CLONE_NEWNS = 0x00020000
_CLONE_NEWUSER = 0x10000000
_CLONE_NEWPID = 0x20000000
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC = 1, 2, 4, 8
_MS_REMOUNT, _MS_BIND, _MS_REC, _MS_PRIVATE = 0x20, 0x1000, 0x4000, 1 << 18
_PR_SET_PDEATHSIG, _PR_SET_DUMPABLE, _PR_CAPBSET_DROP = 1, 4, 24
_PR_SET_NO_NEW_PRIVS, _PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL, _PR_SET_SECUREBITS = 38, 47, 4, 28
_LINUX_CAPABILITY_VERSION_3 = 0x20080522


class IsolationError(RuntimeError):
    """A step of the kernel's isolation could not be applied: grading must not go on."""


_libc = ctypes.CDLL(None, use_errno=True)


def _ok(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise IsolationError(f"{what}: {os.strerror(err)} (errno {err})")


def _write(path: str, text: str) -> None:
    try:
        with open(path, "w") as f:
            f.write(text)
    except OSError as exc:
        raise IsolationError(f"writing {path}: {exc}") from None


def _mount(source: str, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    _ok(_libc.mount(source.encode(), target.encode(), fstype.encode() if fstype else None, flags,
                    data.encode() if data else None), f"mount {fstype or source} on {target}")


def mount_points() -> list[str]:
    """This process's mount points, in ``/proc/self/mountinfo``'s order, each once."""
    points: list[str] = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            point = line.split()[4].replace("\\040", " ")
            if point not in points:
                points.append(point)
    return points


def _binds_under(folder: str) -> list[str]:
    """Mount points strictly below ``folder``, parents before children."""
    below = [p for p in mount_points() if p.startswith(folder.rstrip("/") + "/")]
    return sorted(below, key=lambda p: p.count("/"))


def _visible_pids() -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def _copy_into(src_fd: int, dest: str) -> None:
    """Copy the tree open at ``src_fd`` into ``dest``; files that do not fit in the tmpfs are left out."""
    import shutil

    src = f"/proc/self/fd/{src_fd}"
    for dirpath, dirnames, filenames in os.walk(src, followlinks=False):
        rel = os.path.relpath(dirpath, src)
        target = dest if rel == "." else os.path.join(dest, rel)
        os.makedirs(target, exist_ok=True)
        for name in filenames:
            path = os.path.join(dirpath, name)
            if os.path.islink(path):
                continue  # a submission's symlink could point anywhere; the kernel gets none
            try:
                shutil.copyfile(path, os.path.join(target, name))
            except OSError:
                try:
                    os.unlink(os.path.join(target, name))
                except OSError:
                    pass


def _drop_capabilities() -> None:
    try:
        with open("/proc/sys/kernel/cap_last_cap") as f:
            last = int(f.read())
    except OSError:
        last = 40
    for cap in range(last + 1):
        _ok(_libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0), f"dropping capability {cap} from the bounding set")
    _ok(_libc.prctl(_PR_SET_SECUREBITS, SECURE_BITS, 0, 0, 0), "secure bits")
    _libc.prctl(_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    header = (ctypes.c_uint32 * 2)(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (ctypes.c_uint32 * 6)()  # effective, permitted, inheritable: nothing, twice (64 bits)
    _ok(_libc.capset(header, data), "capset")
    _ok(_libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")


def _limit(which: int, value: int, name: str) -> None:
    try:
        resource.setrlimit(which, (value, value))
    except (ValueError, OSError) as exc:
        raise IsolationError(f"setting {name} to {value}: {exc}") from None


def enter(workdir: str, keep: Sequence[str] = ()) -> None:
    """Isolate the calling process as described in the module docstring; return in the kernel.

    The calling process forks: the parent stays outside the new PID namespace, waits for the
    child and exits with its status (so whoever watches the caller's PID sees the kernel's
    end); the child becomes PID 1 of the new namespace and returns. ``keep`` are folders that
    stay shared with the grader (the kernel's connection folder, for its sockets) until
    :func:`seal`, which must follow before any student code runs.
    """
    workdir = os.path.abspath(workdir)
    uid, gid = os.geteuid(), os.getegid()
    # A forked child of the non-dumpable fork server is non-dumpable too: its /proc files would
    # belong to root and the id maps below could not be written by an unprivileged grader.
    _libc.prctl(_PR_SET_DUMPABLE, 1, 0, 0, 0)
    hidden = [p for p in _visible_pids() if p != os.getpid()]
    _ok(_libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNS | _CLONE_NEWPID), "unshare(user, mount, pid)")
    _write("/proc/self/setgroups", "deny")
    # the grading user keeps its id inside (the only mapping an unprivileged process may write)
    _write("/proc/self/uid_map", f"{uid} {uid} 1")
    _write("/proc/self/gid_map", f"{gid} {gid} 1")
    hidden.append(os.getpid())  # the waiting parent below
    child = os.fork()
    if child:
        _wait_and_exit(child)
    try:
        _ok(_libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "parent-death signal")
        _mount("none", "/", None, _MS_REC | _MS_PRIVATE)
        src = os.open(workdir, os.O_RDONLY | os.O_DIRECTORY)
        keep = [os.path.abspath(k) for k in keep]
        # what the sandbox binds under /tmp (a venv, a course, the graders, the connection
        # folders): seen again, read-only, above the fresh /tmp; the kernel's own connection
        # folder (``keep``) writable until seal()
        binds = [(path, os.open(path, os.O_PATH), path in keep) for path in _binds_under("/tmp") if path != workdir]
        binds += [(path, os.open(path, os.O_PATH), True) for path in keep if path not in {b[0] for b in binds}]
        flags = _MS_NOSUID | _MS_NODEV
        _mount("tmpfs", "/tmp", "tmpfs", flags, f"size={TMP_BYTES},mode=1777")
        _mount("tmpfs", "/dev/shm", "tmpfs", flags, f"size={SHM_BYTES},mode=1777")
        for path, fd, writable in binds:
            if os.path.isdir(f"/proc/self/fd/{fd}"):
                os.makedirs(path, exist_ok=True)
            elif not os.path.exists(path):
                os.makedirs(os.path.dirname(path), exist_ok=True)
                open(path, "a").close()
            _mount(f"/proc/self/fd/{fd}", path, None, _MS_BIND | _MS_REC)
            if not writable:
                _mount("none", path, None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY | flags)
            os.close(fd)
        os.makedirs(workdir, exist_ok=True)
        _mount("tmpfs", workdir, "tmpfs", flags, f"size={WORK_BYTES},mode=0755")
        _copy_into(src, workdir)
        os.close(src)
        for pid in hidden:  # what the kernel must not inspect: bubblewrap, the fork server, the waiter
            if os.path.isdir(f"/proc/{pid}"):
                _mount("tmpfs", f"/proc/{pid}", "tmpfs", _MS_RDONLY | flags | _MS_NOEXEC, "size=4k,mode=0")
        os.chdir(workdir)  # the new mount, not the folder beneath it
        os.makedirs(os.environ.get("MPLCONFIGDIR", "/tmp/matplotlib"), exist_ok=True)
        _limit(resource.RLIMIT_AS, MEMORY_LIMIT_BYTES, "the address-space limit")
        _limit(resource.RLIMIT_CPU, CPU_LIMIT_SECONDS, "the CPU-time limit")
        _limit(resource.RLIMIT_NPROC, MAX_PROCESSES, "the process limit")
        _limit(resource.RLIMIT_FSIZE, MAX_FILE_BYTES, "the file-size limit")
        _limit(resource.RLIMIT_CORE, 0, "the core-dump limit")
    except BaseException as exc:
        _report(exc)
        os._exit(70)


def seal(keep: Sequence[str] = ()) -> None:
    """Once the kernel has bound its sockets: ``keep`` becomes read-only, every capability goes."""
    for path in keep:
        _mount("none", os.path.abspath(path), None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY | _MS_NOSUID | _MS_NODEV)
    _drop_capabilities()


def run_kernel(workdir: str, argv: Sequence[str]) -> None:
    """Isolate, then become the ipykernel that ``python -m ipykernel_launcher *argv`` would be.

    The one way both grading paths start a kernel: the stock path runs it in a fresh process
    (:func:`main`), the fork server in each forked child. Never returns.
    """
    code = 1
    try:
        argv = list(argv)
        keep = [os.path.dirname(argv[i + 1]) for i, a in enumerate(argv[:-1]) if a == "-f"]
        enter(workdir, keep)
        if sys.path and sys.path[0] != os.getcwd():
            sys.path[0] = os.getcwd()  # as ipykernel_launcher: the working folder first
        sys.argv = ["ipykernel_launcher", *argv]
        from ipykernel.kernelapp import IPKernelApp

        app = IPKernelApp.instance()
        app.initialize(argv)  # binds the sockets in the connection folder
        seal(keep)
        app.start()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0
    except IsolationError as exc:
        _report(exc)
        code = 70
    except BaseException:  # noqa: BLE001 - the kernel's end, whatever it is
        code = 1
    finally:
        os._exit(code)


def _report(exc: BaseException) -> None:
    try:
        os.write(2, f"calc4ml: kernel isolation failed: {exc}\n".encode())
    except OSError:
        pass


def _wait_and_exit(child: int) -> None:
    code = 1
    try:
        while True:
            try:
                _, status = os.waitpid(child, 0)
                break
            except InterruptedError:
                continue
        code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)
    finally:
        os._exit(code)


def remove_tree(path: str) -> None:
    """Delete ``path`` even where its owner took write or search permission away (``chmod 0500``,
    ``0000``): every folder gets ``u+rwx`` back, top down, before anything is deleted. Raises
    ``OSError`` if something still cannot be removed (then the caller throws the sandbox away)."""
    import shutil
    import stat

    def unlock(folder: str) -> None:
        os.chmod(folder, stat.S_IRWXU)
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    unlock(entry.path)

    if os.path.isdir(path) and not os.path.islink(path):
        unlock(path)
        shutil.rmtree(path)
    else:
        os.unlink(path)


def main(argv: Sequence[str] | None = None) -> None:
    """``python graders/run/isolate.py WORKDIR -- PYTHON -m ipykernel_launcher ARG...``: the stock
    path's kernel, isolated (run as a file: importing the ``graders`` package would start
    numpy's threads first, and a threaded process cannot enter a new user namespace)."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        launcher = args.index("ipykernel_launcher")
    except ValueError:
        launcher = -1
    if len(args) < 3 or args[1] != "--" or launcher < 3 or args[launcher - 1] != "-m":
        sys.stderr.write("usage: python isolate.py WORKDIR -- PYTHON -m ipykernel_launcher [ARG...]\n")
        raise SystemExit(64)
    run_kernel(args[0], args[launcher + 1:])


if __name__ == "__main__":
    main()
