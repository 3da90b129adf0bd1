"""Run the student's kernel inside bubblewrap during autograde.

``nbgrader_config.py`` sets ``Execute.kernel_manager_class`` to :class:`SandboxedKernelManager`,
so the stock ``nbgrader autograde`` starts every kernel through :func:`sandbox_command`:

* the file system is empty except read-only views of the system (``/usr``, a few files of
  ``/etc``), the Python installation, the virtual environment and the installed ``graders``,
  plus the submission's own working folder (read-write) and a private ``/tmp``;
  ``reference/``, ``source/``, the gradebook and other students' folders do not exist there;
* no network (a new, empty network namespace; the kernel talks to nbgrader over Unix sockets
  in a private folder), its own user (uid 1000, mapped onto the grader's) and PID namespace,
  killed with the grader;
* inside it, :mod:`graders.run.isolate` gives the kernel namespaces of its own: private, size-limited
  tmpfs for its working folder (a copy of the submission), ``/tmp`` and ``/dev/shm``; limits on
  memory, CPU time, processes and file size; no capabilities. A limit that cannot be applied
  stops the kernel from starting (grading reports it; it is never a student's grade).

The kernel imports ``graders`` from the very folder the grading process imported it from
(``PYTHONPATH`` points there and only that folder is bound), so a course copied with its own
``graders/`` and graded with another checkout's venv grades the same as the original.

Where bubblewrap is missing, grading refuses to start unless ``CALC4ML_UNSAFE_NO_SANDBOX=1``.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from jupyter_client.connect import KernelConnectionInfo
from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner

from graders.run.isolate import remove_tree

__all__ = [
    "SandboxedKernelManager",
    "SandboxProvisioner",
    "SandboxUnavailable",
    "sandbox_command",
    "isolated_command",
    "graders_dir",
    "UNSAFE_ENV",
    "SANDBOX_UID",
    "ProcessCap",
    "UNSAFE_NO_PROCESS_LIMIT_ENV",
]

#: The loudly named opt-out for machines without bubblewrap.
UNSAFE_ENV = "CALC4ML_UNSAFE_NO_SANDBOX"
#: The user id inside the sandbox's user namespace (mapped onto the grading user, root included):
#: not 0, so nothing in the sandbox is root of anything, and the kernel's own user namespace
#: (graders.run.isolate) can map it without privileges.
SANDBOX_UID = 1000

_ENV_KEEP = ("LANG", "LC_ALL", "TZ", "NBGRADER_EXECUTION")
_ETC_FILES = (
    "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/localtime", "/etc/passwd", "/etc/group",
    "/etc/nsswitch.conf", "/etc/hosts", "/etc/mime.types",
)


class SandboxUnavailable(RuntimeError):
    pass


#: Where a root grader puts each sandbox in a ``pids`` cgroup of its own (cgroup v1 hierarchy,
#: else the v2 one): the kernel's RLIMIT_NPROC does not hold for root (the kernel exempts uid 0).
PIDS_CGROUP_ROOTS = (Path("/sys/fs/cgroup/pids"), Path("/sys/fs/cgroup"))
#: The loudly named opt-out for a root grader on a machine without a writable ``pids`` cgroup.
UNSAFE_NO_PROCESS_LIMIT_ENV = "CALC4ML_UNSAFE_NO_PROCESS_LIMIT"
#: Processes of a sandbox beyond its kernel's own (bubblewrap's init, the isolation step's
#: waiter, the fork server).
SANDBOX_OVERHEAD_PROCESSES = 4
#: An empty pids cgroup younger than this may be another process's, made but not entered yet.
STALE_CGROUP_SECONDS = 120


class ProcessCap:
    """A ``pids`` cgroup holding one sandbox, or nothing where RLIMIT_NPROC already holds.

    ``prefix(cmd)`` makes the sandbox start inside the cgroup (the first process moves itself in
    before it execs bubblewrap, so every later process is counted); ``close()`` removes it.
    """

    def __init__(self) -> None:
        self.path: Path | None = None
        if os.geteuid() != 0 or os.environ.get(UNSAFE_NO_PROCESS_LIMIT_ENV) == "1":
            return  # unprivileged: graders.run.isolate's RLIMIT_NPROC counts the kernel's processes
        import uuid

        from graders.run.isolate import MAX_PROCESSES

        errors = []
        for root in PIDS_CGROUP_ROOTS:
            v1 = root.name == "pids"
            if not (root / "cgroup.procs").exists() or not (v1 or "pids" in _read(root / "cgroup.controllers")):
                continue
            try:
                parent = root / "calc4ml"
                parent.mkdir(exist_ok=True)
                if not v1:  # cgroup v2: the controller must be enabled down to our leaves
                    for folder in (root, parent):
                        if "pids" not in _read(folder / "cgroup.subtree_control"):
                            (folder / "cgroup.subtree_control").write_text("+pids")
                for old in parent.iterdir():  # earlier sandboxes' cgroups, empty by now
                    # not one another grading process made a moment ago and has yet to enter
                    # (workers start their sandboxes together): removing it kills that start
                    if old.is_dir() and time.time() - old.stat().st_mtime > STALE_CGROUP_SECONDS:
                        try:
                            old.rmdir()
                        except OSError:
                            pass
                path = parent / uuid.uuid4().hex
                path.mkdir()
                (path / "pids.max").write_text(str(MAX_PROCESSES + SANDBOX_OVERHEAD_PROCESSES))
                self.path = path
                return
            except OSError as exc:
                errors.append(f"{root}: {exc}")
        raise SandboxUnavailable(
            "grading runs as root, where the kernel ignores RLIMIT_NPROC, and no pids cgroup could be made "
            f"({'; '.join(errors) or 'no pids controller under /sys/fs/cgroup'}): a fork bomb would be unbounded. "
            f"Grade as an ordinary user, or set {UNSAFE_NO_PROCESS_LIMIT_ENV}=1 to grade WITHOUT a process limit."
        )

    def prefix(self, cmd: list[str]) -> list[str]:
        if self.path is None:
            return cmd
        enter = f'echo $$ > "{self.path / "cgroup.procs"}" && exec "$@"'
        return ["/bin/sh", "-c", enter, "sh", *cmd]

    def close(self) -> None:
        if self.path is not None:
            try:
                self.path.rmdir()
                self.path = None
            except OSError:
                pass  # processes still dying: the next close (or the next run's sweep) removes it


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def graders_dir() -> Path:
    """The ``graders`` package this process runs: the one bound into the sandbox and imported there."""
    import graders

    return Path(graders.__file__).resolve().parent


def isolated_command(kernel_cmd: list[str], workdir: str | os.PathLike[str]) -> list[str]:
    """``kernel_cmd`` started through :mod:`graders.run.isolate` (run as a file: importing the
    ``graders`` package would start numpy's threads, and a threaded process cannot unshare)."""
    return [kernel_cmd[0], str(graders_dir() / "run" / "isolate.py"), str(Path(workdir).resolve()), "--", *kernel_cmd]


#: System folders every sandbox sees read-only (:func:`sandbox_command`).
_SYSTEM_DIRS = ("usr", "bin", "lib", "lib64", "sbin")


def _python_roots() -> list[Path]:
    """Folders of the grading Python to bind read-only besides the system's: the venv and its base
    installation (a venv's python is a symlink into it). An installation inside a system folder
    (Debian's /usr/bin/python3.13: prefix /usr; /usr/local) needs none of its own; one whose
    prefix is / would show the sandbox the whole machine, and is refused."""
    roots = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(), Path(sys.exec_prefix).resolve()}
    roots.add(Path(os.path.realpath(sys.executable)).parent.parent)
    if Path("/") in roots:
        raise SandboxUnavailable(f"the grading Python ({sys.executable}) is installed at /: binding its installation "
                                 "would show student code the whole machine; grade from a venv of a Python installed "
                                 "under /usr, /opt or a home folder")
    system = [Path("/") / name for name in _SYSTEM_DIRS]
    return sorted(r for r in roots if not any(r == s or s in r.parents for s in system))


def sandbox_command(
    kernel_cmd: list[str],
    *,
    workdir: str | os.PathLike[str],
    private_dirs: list[str | os.PathLike[str]] = (),
    readonly_files: list[str | os.PathLike[str]] = (),
) -> list[str]:
    """Wrap ``kernel_cmd`` so it runs in bubblewrap with ``workdir`` as its only writable folder."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        raise SandboxUnavailable(
            "bubblewrap (bwrap) is not installed, so student code would run with the grader's rights. "
            "Install it ('apt-get install bubblewrap', done by 'make install' as root) or set "
            f"{UNSAFE_ENV}=1 to grade WITHOUT a sandbox."
        )
    # --new-session: the kernel interrupts itself with killpg(SIGINT); in its own session that
    # signal cannot reach bubblewrap (and TIOCSTI cannot reach our terminal).
    args = [bwrap, "--unshare-all", "--die-with-parent", "--new-session", "--hostname", "sandbox"]
    # Started by root, bubblewrap keeps root's capabilities inside (mknod a disk, mount, ptrace):
    # drop them all. The kernel is then an ordinary process that only sees what is bound here.
    args += ["--unshare-user", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID), "--cap-drop", "ALL"]
    # /tmp first: later binds beneath it (a venv or a course checked out under /tmp) stay visible
    args += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    for name in _SYSTEM_DIRS:
        p = Path("/") / name
        if p.is_symlink():
            args += ["--symlink", os.readlink(p), str(p)]
        elif p.exists():
            args += ["--ro-bind", str(p), str(p)]
    for f in _ETC_FILES + ("/etc/fonts",):
        if os.path.exists(f):
            args += ["--ro-bind", f, f]
    for root in _python_roots():
        args += ["--ro-bind", str(root), str(root)]
    graders = graders_dir()
    args += ["--ro-bind", str(graders), str(graders)]
    work = str(Path(workdir).resolve())
    args += ["--bind", work, work]
    for d in private_dirs:
        d = str(Path(d).resolve())
        args += ["--bind", d, d]
    for f in readonly_files:
        f = str(Path(f).resolve())
        args += ["--ro-bind", f, f]
    # jupyter_client's launcher sets JPY_PARENT_PID to the grader's PID, which does not exist in
    # the kernel's PID namespace: the kernel would think its parent died. PID 1 means "no
    # parent to watch" to ipykernel; --die-with-parent
    # does that job instead.
    args += ["--setenv", "JPY_PARENT_PID", "1", "--chdir", work, "--"]
    return args + list(kernel_cmd)


def _kernel_env(env: dict[str, str] | None) -> dict[str, str]:
    env = dict(env or os.environ)
    # JPY_PARENT_PID is dropped: in its own PID namespace the kernel cannot see the grader's
    # PID and would shut itself down; --die-with-parent does that job instead.
    keep = {k: v for k, v in env.items() if (k.startswith("JPY_") and k != "JPY_PARENT_PID") or k in _ENV_KEEP}
    venv_bin = str(Path(sys.executable).parent)
    keep.update(
        PATH=f"{venv_bin}:/usr/local/bin:/usr/bin:/bin",
        HOME="/tmp",
        # the graders bound into the sandbox, ahead of whatever the venv's own install points to
        PYTHONPATH=str(graders_dir().parent),
        MPLBACKEND="Agg",
        MPLCONFIGDIR="/tmp/matplotlib",
        PYTHONDONTWRITEBYTECODE="1",
        # one thread per kernel: deterministic reductions, and several kernels can share cores
        OMP_NUM_THREADS="1",
        OPENBLAS_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
        PYDEVD_DISABLE_FILE_VALIDATION="1",
    )
    return keep


class SandboxProvisioner(LocalProvisioner):
    """jupyter_client's ``LocalProvisioner`` whose kernels start inside :func:`sandbox_command`
    (each in a ``pids`` cgroup of its own when grading as root: :class:`ProcessCap`).

    Its kernel manager (:class:`SandboxedKernelManager`) gives it to itself before the kernel
    starts; jupyter_client keeps a provisioner it finds there, restarts included.
    """

    _cap: ProcessCap | None = None

    @property
    def sandboxed(self) -> bool:
        return not getattr(self.parent, "_unsafe", True)

    async def pre_launch(self, **kwargs: Any) -> dict[str, Any]:
        km = self.parent
        self.kernel_id, self.kernel_spec = km.kernel_id, km.kernel_spec
        return await super().pre_launch(**kwargs)

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> KernelConnectionInfo:
        if self.sandboxed:
            workdir = kwargs.get("cwd") or os.getcwd()
            self._close_cap()
            self._cap = ProcessCap()
            cmd = self._cap.prefix(sandbox_command(
                isolated_command(cmd, workdir), workdir=workdir, private_dirs=[self.parent._private]
            ))
            kwargs["env"] = _kernel_env(kwargs.get("env"))
        return await super().launch_kernel(cmd, **kwargs)

    def tree_root(self) -> int | None:
        """Host PID at the root of the kernel's process tree (bwrap, or the kernel when unsandboxed)."""
        return getattr(self.process, "pid", None)

    def _close_cap(self) -> None:
        if self._cap is not None:
            self._cap.close()

    async def cleanup(self, restart: bool = False) -> None:
        await super().cleanup(restart=restart)
        self._close_cap()
        if not restart and self.sandboxed:
            try:
                remove_tree(self.parent._private)
            except OSError:
                self.log.warning("could not remove the kernel's connection folder %s", self.parent._private)


class SandboxedKernelManager(AsyncKernelManager):
    """An ``AsyncKernelManager`` whose kernels start inside :func:`sandbox_command`, through its
    :class:`SandboxProvisioner`, and are interrupted by message: its kernelspec says
    ``interrupt_mode: message`` (jupyter_client's SIGINT to the process group would kill
    bubblewrap itself)."""

    #: The provisioner this manager gives itself (the fork server's subclass swaps it).
    provisioner_class: type[SandboxProvisioner] = SandboxProvisioner

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._unsafe = os.environ.get(UNSAFE_ENV) == "1"
        if not self._unsafe:
            if shutil.which("bwrap") is None:
                sandbox_command([], workdir=".")  # raises SandboxUnavailable with the explanation
            # Unix sockets in a private folder: the sandbox has no network, not even loopback.
            self._private = tempfile.mkdtemp(prefix="calc4ml-kernel-")
            self.transport = "ipc"
            self.connection_file = os.path.join(self._private, "kernel.json")
            self.ip = os.path.join(self._private, "ipc")
        else:
            self.log.warning("%s=1: student code runs WITHOUT a sandbox", UNSAFE_ENV)
        # jupyter_client's pre_start_kernel makes a provisioner from the kernelspec (a registered
        # entry point) only where the manager has none: this one is the manager's own, not the
        # kernelspec's (the same python3 kernelspec serves JupyterLab, unsandboxed).
        self.provisioner = self.provisioner_class(parent=self)

    @property
    def kernel_spec(self) -> KernelSpec | None:
        spec = super().kernel_spec  # this manager's own copy, read from kernel.json
        if spec is not None and not getattr(self, "_unsafe", True):
            spec.interrupt_mode = "message"
        return spec

    def kernel_tree_root(self) -> int | None:
        """Host PID at the root of this kernel's process tree (bwrap, or the kernel when
        unsandboxed): ``graders.autograde.execute`` sums the tree's CPU time for the per-cell budgets."""
        return self.provisioner.tree_root() if isinstance(self.provisioner, SandboxProvisioner) else None
