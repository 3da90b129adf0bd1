"""Headless Chromium for the tests: Debian's /usr/bin/chromium driven by Playwright.

The fixtures ``chromium`` and ``chromium_page`` are registered once, in ``tests/conftest.py``; a test
module takes them as arguments and imports the helpers::

    from browser import open_in_chromium, rendered_images  # chromium, chromium_page: fixtures of conftest.py

    def test_report_images(chromium_page, tmp_path):
        shot = open_in_chromium(chromium_page, (tmp_path / "report.html").as_uri(), "report")
        assert all(img["naturalWidth"] > 0 for img in rendered_images(chromium_page)), shot

Everything is skipped, with the reason and the install command, when /usr/bin/chromium or the
Python ``playwright`` package is missing. Playwright never downloads a browser here (never run
``playwright install``): it launches Debian's Chromium through ``executable_path``. One
Playwright instance serves the whole session (the sync API allows one per thread), so open
pages through these fixtures rather than a second ``sync_playwright()``.

Screenshots are the test artefacts: ``artifacts/screenshots/<name>.png`` at the repository root.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest
from servers import free_port, wait_until_up  # tools/servers.py (tools/ is on sys.path: conftest.py)

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
VIEWPORT = {"width": 1400, "height": 1000}
#: Without the background-networking flags Chromium keeps dialling Google's hosts, which this
#: machine's closed network refuses. Playwright adds a fresh --user-data-dir of its own.
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Generous: two cores shared by JupyterLab, a kernel and Chromium.
TIMEOUT_MS = 90_000

__all__ = [
    "CHROMIUM", "LAUNCH_ARGS", "SCREENSHOTS", "browser_missing", "chromium", "chromium_page",
    "open_in_chromium", "screenshot", "rendered_images", "LabServer", "jupyter_lab",
]


def browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        return (
            f"{CHROMIUM} is missing: install Debian's Chromium with 'sudo apt-get install chromium' "
            "(.ci/run does this when run as root)"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        lock = ROOT / "requirements.lock"
        pins = [line for line in lock.read_text().split() if line.startswith("playwright==")] if lock.exists() else []
        return (
            "the Python package playwright is missing: run 'make install' or "
            f"'{BIN / 'pip'} install {pins[0] if pins else 'playwright'}' (pinned in requirements.lock); "
            "no 'playwright install' is needed, the tests drive /usr/bin/chromium"
        )
    return None


@pytest.fixture(scope="session")
def chromium():
    """A headless Debian Chromium (a Playwright ``Browser``), shared by the session."""
    reason = browser_missing()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def chromium_page(chromium):
    """A fresh page in its own browser context (no cookies or storage shared between tests).

    Only file:// and this machine (127.0.0.1, localhost) are reached: any other request is
    aborted and listed in ``page.blocked`` (nbgrader's feedback page, for one, asks a CDN for
    MathJax), so a page looks the same with or without a network. ``page.errors`` lists the
    uncaught JavaScript errors seen on it.
    """
    context = chromium.new_context(viewport=VIEWPORT)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.errors = []
    page.blocked = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))

    def local_only(route):
        url = urllib.parse.urlsplit(route.request.url)
        if url.scheme in ("http", "https", "ws", "wss") and url.hostname not in ("127.0.0.1", "localhost", "::1"):
            page.blocked.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    context.route("**/*", local_only)
    try:
        yield page
    finally:
        context.close()


def screenshot(page, name: str, *, full_page: bool = False) -> Path:
    """Save ``artifacts/screenshots/<name>.png`` and return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def open_in_chromium(page, url: str, name: str, *, full_page: bool = True) -> Path:
    """Open ``url`` (``Path.as_uri()`` for a file) in ``page``, wait until it and its images
    have loaded, and return the path of a screenshot named ``name``."""
    page.goto(url, wait_until="load")
    page.wait_for_function("() => [...document.images].every(img => img.complete)")
    return screenshot(page, name, full_page=full_page)


def rendered_images(page) -> list[dict]:
    """Every ``<img>`` of the page: the start of its ``src``, ``naturalWidth``/``naturalHeight``
    (0 when the browser could not decode it) and whether it is visible."""
    return page.evaluate(
        """() => [...document.images].map(img => ({
            src: img.getAttribute('src')?.slice(0, 60) ?? '',
            complete: img.complete,
            naturalWidth: img.naturalWidth,
            naturalHeight: img.naturalHeight,
            visible: img.getBoundingClientRect().width > 0 && getComputedStyle(img).visibility !== 'hidden',
        }))"""
    )


# --------------------------------------------------------------------------- JupyterLab server


@dataclass
class LabServer:
    url: str  # http://127.0.0.1:<port>
    token: str
    root_dir: Path
    log: Path

    def notebook_url(self, name: str) -> str:
        return f"{self.url}/lab/tree/{name}?token={self.token}"

    def log_tail(self, n: int = 40) -> str:
        lines = self.log.read_text(errors="replace").splitlines() if self.log.exists() else []
        return "\n".join(lines[-n:])


@contextmanager
def jupyter_lab(root_dir: Path, state_dir: Path, *, timeout: float = 90) -> Iterator[LabServer]:
    """The venv's ``jupyter lab`` serving ``root_dir`` on a free local port with a random token.

    Its configuration, settings, workspaces and runtime files live in ``state_dir`` (nothing
    from the user's ~/.jupyter); notebooks are rendered whole (``windowingMode: none``) so every
    cell is in the page, and no news or update toasts cover it. Killed, with its kernels, on exit.
    """
    if shutil.which("jupyter", path=str(BIN)) is None:
        pytest.skip(f"jupyter is not installed in {BIN} ('make install')")
    settings = state_dir / "settings"
    for plugin, value in {
        "@jupyterlab/notebook-extension/tracker": '{"windowingMode": "none"}',
        "@jupyterlab/apputils-extension/notification": '{"fetchNews": "false", "checkForUpdates": false}',
    }.items():
        path = settings / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(value)
    env = dict(
        os.environ,
        PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",  # the kernel is the venv's python
        JUPYTER_CONFIG_DIR=str(state_dir / "config"),
        JUPYTER_DATA_DIR=str(state_dir / "data"),  # no user kernelspec shadows the venv's python3
        JUPYTER_RUNTIME_DIR=str(state_dir / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(settings),
        JUPYTERLAB_WORKSPACES_DIR=str(state_dir / "workspaces"),
        IPYTHONDIR=str(state_dir / "ipython"),
    )
    port, token = free_port(), secrets.token_hex(16)
    log = state_dir / "jupyter-lab.log"
    cmd = [
        str(BIN / "jupyter"), "lab", "--no-browser", "--allow-root",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root_dir}",
    ]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=root_dir, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    server = LabServer(f"http://127.0.0.1:{port}", token, root_dir, log)
    try:
        wait_until_up(lambda: json.loads(_api(server, "/api/status")), proc, f"jupyter lab on {server.url}",
                      timeout=timeout, log_tail=server.log_tail)
        yield server
    finally:
        _stop(proc, server)


def _api(server: LabServer, path: str, method: str = "GET") -> bytes:
    req = urllib.request.Request(f"{server.url}{path}", method=method, headers={"Authorization": f"token {server.token}"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.read()


def _stop(proc: subprocess.Popen, server: LabServer) -> None:
    """Shut the kernels down (they run in sessions of their own), then SIGTERM the server's
    process group, and SIGKILL it if it is still there after 15 s."""
    if proc.poll() is None:
        try:
            for kernel in json.loads(_api(server, "/api/kernels")):
                _api(server, f"/api/kernels/{kernel['id']}", "DELETE")
        except (urllib.error.URLError, OSError, ValueError, KeyError):
            pass  # the server's own shutdown stops its kernels too
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
