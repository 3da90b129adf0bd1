"""Run the student's kernel inside bubblewrap during autograde.

``nbgrader_config.py`` sets ``Execute.kernel_manager_class`` to :class:`SandboxedKernelManager`,
so the stock ``nbgrader autograde`` starts every kernel through :func:`sandbox_command`:

* the file system is empty except read-only views of the system (``/usr``, a few files of
  ``/etc``), the Python installation, the virtual environment and the installed ``graders``,
  plus the submission's own working folder (read-write) and a private ``/tmp``;
  ``reference/``, ``source/``, the gradebook and other students' folders do not exist there;
* no network (a new, empty network namespace; the kernel talks to nbgrader over Unix sockets
  in a private folder), its own PID namespace, killed with the grader;
* ``prlimit`` caps address space and CPU time.

Where bubblewrap is missing, grading refuses to start unless ``CALC4ML_UNSAFE_NO_SANDBOX=1``.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from jupyter_client.manager import AsyncKernelManager

__all__ = [
    "SandboxedKernelManager",
    "SandboxUnavailable",
    "sandbox_command",
    "MEMORY_LIMIT_BYTES",
    "CPU_LIMIT_SECONDS",
    "UNSAFE_ENV",
]

#: Address-space cap of a kernel: numpy/pandas/matplotlib need ~1 GiB of mappings; the
#: course's exercises need a few MB of data. 3 GiB stops a memory bomb long before the
#: machine (24 GiB) feels it.
MEMORY_LIMIT_BYTES = 3 * 1024**3
#: CPU seconds a kernel may use over its whole life; a notebook needs ~5 s. Per-cell wall
#: time is ``Execute.timeout``.
CPU_LIMIT_SECONDS = 600
#: The loudly named opt-out for machines without bubblewrap.
UNSAFE_ENV = "CALC4ML_UNSAFE_NO_SANDBOX"

_ENV_KEEP = ("LANG", "LC_ALL", "TZ", "NBGRADER_EXECUTION")
_ETC_FILES = (
    "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/localtime", "/etc/passwd", "/etc/group",
    "/etc/nsswitch.conf", "/etc/hosts", "/etc/mime.types",
)


class SandboxUnavailable(RuntimeError):
    pass


def _installed_graders_dir() -> Path:
    import graders

    return Path(graders.__file__).resolve().parent


def _python_roots() -> list[Path]:
    roots = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(), Path(sys.exec_prefix).resolve()}
    # the venv's python is a symlink into the base installation
    roots.add(Path(os.path.realpath(sys.executable)).parent.parent)
    return sorted(roots)


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
    args += ["--cap-drop", "ALL"]
    # /tmp first: later binds beneath it (a venv or a course checked out under /tmp) stay visible
    args += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    for name in ("usr", "bin", "lib", "lib64", "sbin"):
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
    graders_dir = _installed_graders_dir()
    args += ["--ro-bind", str(graders_dir), str(graders_dir)]
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
    prlimit = shutil.which("prlimit")
    limits = [prlimit, f"--as={MEMORY_LIMIT_BYTES}", f"--cpu={CPU_LIMIT_SECONDS}", "--"] if prlimit else []
    return limits + args + list(kernel_cmd)


def _kernel_env(env: dict[str, str] | None) -> dict[str, str]:
    env = dict(env or os.environ)
    # JPY_PARENT_PID is dropped: in its own PID namespace the kernel cannot see the grader's
    # PID and would shut itself down; --die-with-parent does that job instead.
    keep = {k: v for k, v in env.items() if (k.startswith("JPY_") and k != "JPY_PARENT_PID") or k in _ENV_KEEP}
    venv_bin = str(Path(sys.executable).parent)
    keep.update(
        PATH=f"{venv_bin}:/usr/local/bin:/usr/bin:/bin",
        HOME="/tmp",
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


class SandboxedKernelManager(AsyncKernelManager):
    """An ``AsyncKernelManager`` whose kernels start inside :func:`sandbox_command`."""

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

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        if not self._unsafe:
            workdir = kw.get("cwd") or os.getcwd()
            kernel_cmd = sandbox_command(
                kernel_cmd, workdir=workdir, private_dirs=[self._private]
            )
            kw["env"] = _kernel_env(kw.get("env"))
        await super()._async_launch_kernel(kernel_cmd, **kw)

    async def _async_interrupt_kernel(self) -> None:
        """Interrupt by message: a SIGINT to the process group would kill bubblewrap itself."""
        if self._unsafe or not self.has_kernel:
            await super()._async_interrupt_kernel()
            return
        msg = self.session.msg("interrupt_request", content={})
        self._connect_control_socket()
        self.session.send(self._control_socket, msg)

    interrupt_kernel = _async_interrupt_kernel  # the base class binds the old coroutine by name

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart and not self._unsafe:
            shutil.rmtree(self._private, ignore_errors=True)

    cleanup_resources = _async_cleanup_resources
