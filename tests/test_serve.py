"""`unionkpi serve` under a supervisor: SIGTERM, as systemd or Docker send
it, stops the command and its server; nothing is left serving."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def test_sigterm_stops_the_server(tmp_path: Path):
    port = free_port()
    command = [sys.executable, "-m", "unionkpi", "--home", str(tmp_path / "home"), "serve", "--port", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while not answers(port):
            assert process.poll() is None, "serve ended before it answered"
            assert time.monotonic() < deadline, "the server never answered"
            time.sleep(0.5)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) is not None
        deadline = time.monotonic() + 15
        while answers(port) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not answers(port), "the server still answers after its command was stopped"
        with pytest.raises(ProcessLookupError):  # nothing of the command's is left running
            os.killpg(process.pid, 0)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
