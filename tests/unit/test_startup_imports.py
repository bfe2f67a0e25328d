"""What a command loads at start-up: each command pays only for what it runs."""

from __future__ import annotations

import subprocess
import sys


def test_the_command_line_imports_the_dev_server_only_for_serve() -> None:
    """`cobrand build` (and every command but `serve`) starts without the dev server's HTTP stack."""
    names = "('cobrand.serve', 'http.server', 'http.client', 'ssl')"
    code = (f"import sys, cobrand.cli; cobrand.cli.main(['--version'], standalone_mode=False); "
            f"print(sorted(m for m in {names} if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"
