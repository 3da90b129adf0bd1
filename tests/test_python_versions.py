"""Python 3.11 to 3.13: what the grading Python's version and layout change.

The sandbox binds the grading interpreter's installation read-only (``_python_roots``); Debian's
``/usr/bin/python3.13`` has its prefix at ``/usr``, which the sandbox binds already, a pyenv or
python.org build lives elsewhere and needs its own bind.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from conftest import ROOT
from graders.run import sandbox


def _as_if(monkeypatch, *, prefix: str, base_prefix: str, executable: str) -> None:
    monkeypatch.setattr(sys, "prefix", prefix)
    monkeypatch.setattr(sys, "exec_prefix", prefix)
    monkeypatch.setattr(sys, "base_prefix", base_prefix)
    monkeypatch.setattr(sys, "executable", executable)


def test_a_debian_venv_binds_only_the_venv(monkeypatch, tmp_path: Path) -> None:
    venv = tmp_path / ".venv313"
    (venv / "bin").mkdir(parents=True)
    _as_if(monkeypatch, prefix=str(venv), base_prefix="/usr", executable=str(venv / "bin" / "python"))
    assert sandbox._python_roots() == [venv.resolve()]  # /usr is bound with the system already


def test_a_pyenv_venv_binds_the_venv_and_its_base(monkeypatch, tmp_path: Path) -> None:
    base, venv = tmp_path / "pyenv" / "versions" / "3.13.0", tmp_path / "venv"
    (base / "bin").mkdir(parents=True)
    (base / "bin" / "python3.13").touch()
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(base / "bin" / "python3.13")
    _as_if(monkeypatch, prefix=str(venv), base_prefix=str(base), executable=str(venv / "bin" / "python"))
    assert sandbox._python_roots() == sorted([base.resolve(), venv.resolve()])


def test_a_python_installed_at_the_root_is_refused(monkeypatch) -> None:
    _as_if(monkeypatch, prefix="/", base_prefix="/", executable="/bin/python3")
    with pytest.raises(sandbox.SandboxUnavailable, match="whole machine"):
        sandbox._python_roots()


@pytest.mark.skipif(shutil.which("bwrap") is None or not Path("/usr/bin/python3").exists(),
                    reason="needs bubblewrap and Debian's /usr/bin/python3")
def test_a_venv_of_debians_python_runs_in_the_sandbox(monkeypatch, tmp_path: Path) -> None:
    """A venv made by Debian's python3 (prefix /usr, as 3.13's on trixie) starts inside the sandbox."""
    venv = tmp_path / "venv"
    subprocess.run(["/usr/bin/python3", "-m", "venv", "--without-pip", str(venv)], check=True, capture_output=True)
    python = venv / "bin" / "python"
    prefix, base = subprocess.run([str(python), "-c", "import sys; print(sys.prefix); print(sys.base_prefix)"],
                                  check=True, capture_output=True, text=True).stdout.split()
    assert base == "/usr"
    _as_if(monkeypatch, prefix=prefix, base_prefix=base, executable=str(python))
    work = tmp_path / "work"
    work.mkdir()
    cmd = sandbox.sandbox_command([str(python), "-c", "import encodings, json, sys; print(sys.prefix, sys.base_prefix)"],
                                  workdir=work)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == [prefix, "/usr"]


def test_requires_python_admits_this_interpreter_and_3_11_to_3_13() -> None:
    spec = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    low, high = re.fullmatch(r">=3\.(\d+),<3\.(\d+)", spec.replace(" ", "")).groups()
    assert (int(low), int(high)) == (11, 14), spec
    assert int(low) <= sys.version_info.minor < int(high)
