"""What `make install` puts in .venv keeps every nbgrader command quick to start."""

from __future__ import annotations

import subprocess
import sys


def test_nbgrader_does_not_import_the_slow_iri_checker() -> None:
    """jsonschema >= 4.25 imports rfc3987_syntax, which builds ~35 parsers: 3 s per command."""
    code = "import sys, nbgrader.apps, jupyter_events.validators; print(sorted(m for m in ('rfc3987_syntax', 'lark') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]", f"nbgrader's imports pull in {out}: pin jsonschema<4.25 (see pyproject.toml)"
