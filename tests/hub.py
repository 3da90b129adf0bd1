"""A real JupyterHub for the tests: real Unix users, LocalProcessSpawner, node's proxy, loopback.

Reusable from any test module (the hub tests of the exchange, ``calc4ml serve``'s tests)::

    from hub import hub_missing, running_hub, student_env, unix_users

    reason = hub_missing()              # None, or why a hub cannot run here (printed by the skip)
    with unix_users(3, prefix="stu") as students, unix_users(1, prefix="ta") as (ta,):
        with running_hub(base, students=students, instructors=[ta], course=course,
                         exchange=exchange) as hub:
            hub.login(page, students[0])          # Chromium page, lands in JupyterLab
            hub.run_as(students[0], ["nbgrader", "list"])   # a command as that user, student env

What runs where:

* the hub (``jupyterhub`` from this venv) and ``configurable-http-proxy`` (``.node/``, installed
  by ``make install``) on free loopback ports; DummyAuthenticator (any password) limited to the
  users given, so only inside tests;
* students' servers: ``jupyterhub-singleuser`` of the **student environment**
  (:func:`student_env`, built from ``student/requirements.txt``), started by LocalProcessSpawner
  as the student's Unix user, with ``$CALC4ML_EXCHANGE`` pointing at the test's exchange;
* instructors' (TAs') servers: ``jupyterhub-singleuser`` of :func:`course_env` (the course's
  package installed, with Formgrader), rooted at the course folder, reading its
  ``nbgrader_config.py`` (``JUPYTER_CONFIG_PATH``).

Both venvs are made from a Python every user can run (:func:`shared_python`: Debian's
``/usr/bin/python3.11`` when this venv's Python lies below ``/root``).

Users are made with ``useradd`` (homes below a temporary folder) and removed with ``userdel``,
their processes ended by pid, when the ``with`` block ends, also when a test fails. Everything
needs root (LocalProcessSpawner switches to the user): :func:`hub_missing` says so otherwise.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Sequence

from servers import free_port, wait_until_up  # tools/servers.py (tools/ is on sys.path: conftest.py)

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PROXY = ROOT / ".node" / "node_modules" / ".bin" / "configurable-http-proxy"
STUDENT_ENV_BASE = Path(tempfile.gettempdir())
#: Two cores shared by the hub, the proxy, several single-user servers, kernels and Chromium.
SPAWN_TIMEOUT = 180

__all__ = [
    "hub_missing", "student_env", "unix_users", "running_hub", "Hub", "world_readable_tmpdir",
    "remove_users", "PROXY", "course_env", "shared_python", "run_as",
]


# --------------------------------------------------------------------------------------------
# What a hub needs


def _traversable_by_others(path: Path) -> bool:
    """Can a user other than the owner reach ``path`` (every parent o+x, the file o+r)?"""
    path = path.resolve()
    for parent in [*reversed(path.parents), path]:
        mode = parent.stat().st_mode
        if parent != path and not mode & 0o001:
            return False
    return bool(path.stat().st_mode & 0o004)


def hub_missing(*, instructors: bool = True) -> str | None:
    """Why a JupyterHub with real users cannot run here, or None when it can (``instructors``:
    kept for callers; a TA's server needs nothing more since it runs :func:`course_env`)."""
    if os.geteuid() != 0:
        return "the hub tests make real Unix users and spawn their servers as them: run them as root (CI does)"
    for tool in ("useradd", "userdel", "runuser"):
        if shutil.which(tool) is None:
            return f"{tool} is missing (Debian's passwd/util-linux packages; .ci/run installs them)"
    if not PROXY.exists():
        if shutil.which("npm") is None:
            return "npm is missing, so configurable-http-proxy cannot be installed ('sudo apt-get install nodejs npm', then 'make install')"
        return f"configurable-http-proxy is not installed in {PROXY.parent}: run 'make install' (npm ci into .node/)"
    if shutil.which("node") is None:
        return "node is missing: configurable-http-proxy needs it ('sudo apt-get install nodejs')"
    if not (BIN / "jupyterhub").exists():
        return f"jupyterhub is not installed in {BIN}: run 'make install' (pinned in requirements.lock)"
    if shared_python() is None:
        return (f"no Python 3.11 that other users can run: {sys.executable} is below a folder they cannot enter "
                "and /usr/bin/python3.11 is missing ('sudo apt-get install python3.11-venv')")
    return None


def shared_python() -> str | None:
    """A Python 3.11 every user may run, for the students' and the TA's venvs (this venv's own
    may live below /root, which the hub's users cannot enter)."""
    for candidate in (Path("/usr/bin/python3.11"), Path(sys.executable).resolve()):
        if candidate.exists() and _traversable_by_others(candidate):
            return str(candidate)
    return None


# --------------------------------------------------------------------------------------------
# The students' environment, built once per content of student/ and the lock


def _student_env_key() -> str:
    h = hashlib.sha256()
    student = ROOT / "student"
    files = [student / "pyproject.toml", student / "setup.py", student / "requirements.txt",
             *sorted((student / "src" / "graders").rglob("*.py")), *sorted((student / "jupyter").glob("*")),
             *sorted((ROOT / "graders" / "kernel").glob("*.py")), ROOT / "graders" / "coursedata.py",
             ROOT / "requirements.lock", ROOT / "tools" / "student_env.py"]
    for path in files:  # what decides the env (not pip's build folders in student/)
        if path.is_file():
            h.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    h.update(str(shared_python()).encode())
    return h.hexdigest()[:12]


def student_env() -> Path:
    """The students' venv (``tools/student_env.py``), built on first use and kept in the system's
    temporary folder under a name that hashes ``student/`` and ``requirements.lock``, readable by
    every user (the hub's students run it). About a minute to build; instant afterwards."""
    sys.path.insert(0, str(ROOT / "tools"))
    import fcntl

    import student_env as builder

    dest = STUDENT_ENV_BASE / f"calc4ml-student-env-{_student_env_key()}"
    # built in place (a venv's scripts name its path), one builder at a time
    with open(STUDENT_ENV_BASE / f"{dest.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (dest / ".complete").exists():
            t = time.monotonic()
            builder.build(dest, python=shared_python() or sys.executable)  # replaces a half-built one
            dest.chmod(0o755)
            (dest / ".complete").write_text(f"built in {time.monotonic() - t:.0f} s\n")
    return dest


#: What a TA's server needs besides the course's own package: Formgrader and the hub's
#: single-user server, and what graders/ imports when nbgrader_config.py loads.
COURSE_ENV_PACKAGES = ("numpy", "pandas", "matplotlib", "psutil", "ipykernel", "jupyterlab", "nbgrader", "jupyterhub")


def locked(names: Sequence[str]) -> list[str]:
    """``name==version`` as requirements.lock pins each (what they depend on is left to pip: the
    lock's newest releases may want a newer Python 3.11 than Debian's)."""
    pins = {line.split("==")[0].lower(): line.strip() for line in (ROOT / "requirements.lock").read_text().splitlines()
            if "==" in line}
    return [pins[n.lower()] for n in names]


def course_env() -> Path:
    """A venv other users can run with the course's package (``graders``, installed, not
    editable) and Formgrader: the TA's server on the hub. Versions from requirements.lock; built on
    first use into the system's temporary folder, keyed by the lock and graders/."""
    import fcntl

    h = hashlib.sha256()
    for path in [ROOT / "requirements.lock", ROOT / "pyproject.toml", *sorted((ROOT / "graders").rglob("*.py"))]:
        h.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    dest = STUDENT_ENV_BASE / f"calc4ml-course-env-{h.hexdigest()[:12]}"
    with open(STUDENT_ENV_BASE / f"{dest.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (dest / ".complete").exists():
            if dest.exists():
                shutil.rmtree(dest)
            subprocess.run([shared_python() or sys.executable, "-m", "venv", str(dest)], check=True)
            pip = [str(dest / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
            subprocess.run(pip + ["--upgrade", "pip"], check=True)  # Debian's venv pip (23.0) is too old for the lock
            subprocess.run(pip + locked(COURSE_ENV_PACKAGES), check=True)
            with tempfile.TemporaryDirectory() as tmp:  # a copy: no build folders in the checkout
                src = Path(tmp) / "course"
                shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(
                    ".venv", ".node", ".git", "artifacts", "submitted", "autograded", "feedback", "build", "*.egg-info",
                    "student", "tests", "__pycache__", "gradebook.db*"))
                subprocess.run(pip + ["--no-deps", str(src)], check=True)
            dest.chmod(0o755)
            (dest / ".complete").write_text("ok\n")
    return dest


# --------------------------------------------------------------------------------------------
# Real Unix users

_CREATED: set[str] = set()


def world_readable_tmpdir(prefix: str) -> Path:
    """A fresh folder in the system's temporary folder that other users may enter (0755)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    path.chmod(0o755)
    return path


def _kill_processes_of(uids: set[int]) -> None:
    import psutil

    for sig in (signal.SIGTERM, signal.SIGKILL):
        left = []
        for proc in psutil.process_iter(["pid", "uids"]):
            try:
                if proc.info["uids"] and proc.info["uids"].real in uids:
                    os.kill(proc.info["pid"], sig)
                    left.append(proc)
            except (ProcessLookupError, psutil.Error):
                pass
        if not left:
            return
        psutil.wait_procs(left, timeout=5)


def remove_users(names: Sequence[str]) -> None:
    """End every process of these users (by pid) and delete them with their homes."""
    uids = set()
    for name in names:
        try:
            uids.add(pwd.getpwnam(name).pw_uid)
        except KeyError:
            pass
    _kill_processes_of(uids)
    for name in names:
        subprocess.run(["userdel", "--remove", name], capture_output=True)
        _CREATED.discard(name)


atexit.register(lambda: remove_users(sorted(_CREATED)))


@contextmanager
def unix_users(n: int, *, prefix: str = "stu", home_base: Path | None = None) -> Iterator[list[str]]:
    """``n`` new Unix users named ``c4<prefix><i><random>`` (homes below ``home_base``, a
    temporary world-traversable folder by default), removed on exit."""
    base = home_base or world_readable_tmpdir("calc4ml-homes-")
    tag = secrets.token_hex(2)
    names = [f"c4{prefix}{i}{tag}" for i in range(1, n + 1)]
    try:
        for name in names:
            subprocess.run(["useradd", "--create-home", "--home-dir", str(base / name), "--shell", "/bin/bash",
                            "--user-group", name], check=True, capture_output=True)
            _CREATED.add(name)
        yield names
    finally:
        remove_users(names)
        if home_base is None:
            shutil.rmtree(base, ignore_errors=True)


# --------------------------------------------------------------------------------------------
# The hub


@dataclass
class Hub:
    url: str  # http://127.0.0.1:<port>
    base: Path
    log: Path
    students: list[str]
    instructors: list[str]
    env_bin: Path  # the students' environment's bin
    exchange: Path
    password: str = "not-checked"  # DummyAuthenticator accepts any
    proc: subprocess.Popen | None = field(default=None, repr=False)

    def log_tail(self, n: int = 60) -> str:
        lines = self.log.read_text(errors="replace").splitlines() if self.log.exists() else []
        return "\n".join(lines[-n:])

    def user_url(self, user: str, path: str = "lab") -> str:
        return f"{self.url}/user/{user}/{path}"

    def login(self, page, user: str, *, timeout_ms: int = SPAWN_TIMEOUT * 1000) -> None:
        """Log ``user`` in through the hub's login form in ``page`` and wait for JupyterLab (the
        hub spawns the server on first login)."""
        page.goto(f"{self.url}/hub/login")
        page.fill("#username_input", user)
        page.fill("#password_input", self.password)
        page.click("#login_submit")
        try:
            page.wait_for_url(f"**/user/{user}/**", timeout=timeout_ms)
            page.wait_for_selector("#jp-main-dock-panel", timeout=timeout_ms)
        except Exception as exc:
            raise AssertionError(f"{user} did not reach JupyterLab through the hub ({exc}):\n{self.log_tail()}")

    def run_as(self, user: str, cmd: Sequence[str], *, cwd: str | None = None, check: bool = True,
               timeout: float = 300) -> subprocess.CompletedProcess:
        """Run ``cmd`` as ``user`` in the environment their server has (the students' env first
        on PATH for a student, the course's venv for an instructor), from their home."""
        bin_dir = self.env_bin if user in self.students else course_env() / "bin"
        return run_as(user, cmd, bin_dir=bin_dir, exchange=self.exchange, cwd=cwd, check=check, timeout=timeout)


def run_as(user: str, cmd: Sequence[str], *, bin_dir: Path, exchange: Path, cwd: str | None = None,
           check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run ``cmd`` as the Unix user ``user`` (``runuser``), ``bin_dir`` first on PATH and the
    exchange at ``exchange``, from their home: what a student types in a terminal (``nbgrader
    fetch_assignment``, ``nbgrader submit``) without a hub."""
    entry = pwd.getpwnam(user)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": entry.pw_dir, "USER": user, "LOGNAME": user,
           "CALC4ML_EXCHANGE": str(exchange), "LANG": "C.UTF-8"}
    proc = subprocess.run(["runuser", "-u", user, "--", "env", *[f"{k}={v}" for k, v in env.items()], *cmd],
                          cwd=cwd or entry.pw_dir, capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} as {user} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


HUB_CONFIG = '''\
# written by tests/hub.py
import json
c = get_config()  # noqa: F821
settings = json.loads({settings!r})
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = settings["port"]
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = settings["hub_port"]
c.JupyterHub.db_url = "sqlite:///" + settings["base"] + "/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = settings["base"] + "/cookie_secret"
c.JupyterHub.pid_file = settings["base"] + "/jupyterhub.pid"
c.JupyterHub.cleanup_servers = True
c.ConfigurableHTTPProxy.command = [settings["proxy"]]
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:%d" % settings["api_port"]
c.ConfigurableHTTPProxy.pid_file = settings["base"] + "/proxy.pid"
c.JupyterHub.authenticator_class = "dummy"   # tests only: any password
c.Authenticator.allowed_users = set(settings["students"] + settings["instructors"])
c.Authenticator.admin_users = set(settings["instructors"])
c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = settings["timeout"]
c.Spawner.http_timeout = settings["timeout"]
c.Spawner.args = ["--ServerApp.ip=127.0.0.1"]


def per_user(spawner):
    name = spawner.user.name
    env = {{"CALC4ML_EXCHANGE": settings["exchange"], "LANG": "C.UTF-8",
           "JUPYTERLAB_SETTINGS_DIR": settings["lab_settings"]}}
    if name in settings["instructors"]:
        spawner.cmd = [settings["course_bin"] + "/jupyterhub-singleuser"]
        spawner.notebook_dir = settings["course"]
        env.update(PATH=settings["course_bin"] + ":/usr/bin:/bin", JUPYTER_CONFIG_PATH=settings["course"])
    else:
        spawner.cmd = [settings["student_bin"] + "/jupyterhub-singleuser"]
        env.update(PATH=settings["student_bin"] + ":/usr/bin:/bin")
    spawner.environment = env


c.Spawner.pre_spawn_hook = per_user
'''


@contextmanager
def running_hub(base: Path, *, students: Sequence[str], instructors: Sequence[str] = (), course: Path | None = None,
                exchange: Path, env: Path | None = None, timeout: float = 120) -> Iterator[Hub]:
    """JupyterHub on loopback for these (existing) Unix users, stopped with every server on exit.

    ``base``: a folder for the hub's state (its database, cookie secret, log); ``course``: the
    course folder the instructors' Formgrader serves; ``exchange``: nbgrader's exchange root;
    ``env``: the students' environment (default :func:`student_env`)."""
    env = env or student_env()
    base.mkdir(parents=True, exist_ok=True)
    lab_settings = base / "lab-settings"  # no news or update toasts over the pages
    for plugin, value in {  # every cell in the page (no windowing), no news toasts
        "@jupyterlab/apputils-extension/notification": '{"fetchNews": "false", "checkForUpdates": false}',
        "@jupyterlab/notebook-extension/tracker": '{"windowingMode": "none"}',
    }.items():
        path = lab_settings / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(value)
    for p in [lab_settings, *lab_settings.rglob("*")]:
        p.chmod(0o755 if p.is_dir() else 0o644)
    port = free_port()
    settings = {
        "port": port, "hub_port": free_port(), "api_port": free_port(), "base": str(base), "proxy": str(PROXY),
        "students": list(students), "instructors": list(instructors), "exchange": str(exchange),
        "course": str(course or base), "course_bin": str(course_env() / "bin") if instructors else str(BIN),
        "student_bin": str(env / "bin"),
        "timeout": SPAWN_TIMEOUT, "lab_settings": str(lab_settings),
    }
    config = base / "jupyterhub_config.py"
    config.write_text(HUB_CONFIG.format(settings=json.dumps(settings)))
    log = base / "jupyterhub.log"
    hub = Hub(f"http://127.0.0.1:{port}", base, log, list(students), list(instructors), env / "bin", Path(exchange))
    penv = dict(os.environ, PATH=f"{BIN}:{PROXY.parent}:{os.environ.get('PATH', '')}")
    with open(log, "wb") as out:
        hub.proc = subprocess.Popen([str(BIN / "jupyterhub"), "-f", str(config)], cwd=base, env=penv, stdout=out,
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    def answers() -> None:
        with urllib.request.urlopen(f"{hub.url}/hub/api", timeout=5) as resp:
            json.loads(resp.read())

    try:
        wait_until_up(answers, hub.proc, f"jupyterhub on {hub.url}", timeout=timeout, log_tail=hub.log_tail, poll=0.5)
        yield hub
    finally:
        _stop_hub(hub)


def _stop_hub(hub: Hub) -> None:
    """SIGTERM the hub (it stops the servers it spawned and its proxy), SIGKILL after 30 s; then
    end whatever the proxy or a user's server left, by pid."""
    proc = hub.proc
    if proc is not None and proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    pid_file = hub.base / "proxy.pid"
    if pid_file.exists():
        try:
            os.kill(int(pid_file.read_text().strip()), signal.SIGTERM)
        except (ValueError, ProcessLookupError, PermissionError):
            pass
    uids = set()
    for name in [*hub.students, *hub.instructors]:
        try:
            uids.add(pwd.getpwnam(name).pw_uid)
        except KeyError:
            pass
    _kill_processes_of(uids)
