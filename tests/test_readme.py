"""The README's sessions, run as written against `bcg serve` on a fresh data directory:
every command must print exactly what the README shows."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PROGRESS = re.compile(r"^\w+\s+━")  # bcg import's progress bar, on stderr


def sessions() -> list[tuple[str, list[str]]]:
    """(command, expected output lines) in README order, from code blocks of `$ ` lines."""
    steps: list[tuple[str, list[str]]] = []
    blocks: list[list[str]] = []
    current: list[str] | None = None
    for line in (ROOT / "README.md").read_text().split("\n"):
        if line.startswith("```"):
            if current is None:
                current = []
            else:
                blocks.append(current)
                current = None
        elif current is not None:
            current.append(line)
    for block in blocks:
        if not block or not block[0].startswith("$ "):
            continue
        for line in block:
            if line.startswith("$ "):
                steps.append((line[2:], []))
            else:
                steps[-1][1].append(line)
    return steps


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_readme_sessions_print_what_they_show(tmp_path: Path) -> None:
    steps = sessions()
    assert len(steps) >= 15
    for link in ("examples", "tests", "synth"):
        (tmp_path / link).symlink_to(ROOT / link)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BCG_")}
    server = subprocess.Popen(
        [str(BIN / "bcg"), "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except OSError:
                assert time.monotonic() < deadline, "bcg serve did not start"
                time.sleep(0.3)
        for command, expected in steps:
            if command.startswith("export KEY="):
                env["KEY"] = (tmp_path / "data" / "root_key").read_text().strip()
                continue
            shell = command.replace("localhost:8000", f"localhost:{port}").replace(
                ".venv/bin/", f"{BIN}/"
            )
            done = subprocess.run(
                ["bash", "-c", shell + " 2>&1"],
                cwd=tmp_path,
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            got = [
                line for line in done.stdout.rstrip("\n").split("\n") if not PROGRESS.match(line)
            ]
            assert got == (expected or [""]), command
    finally:
        server.terminate()
        server.wait(timeout=30)
