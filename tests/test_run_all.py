"""`make run` serves web and worker together (scripts/run-all); Ctrl-C stops both once."""

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .smtp_sink import free_port

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def serve(tmp_path):
    env = os.environ | {"VAR_DIR": str(tmp_path), "PORT": str(free_port())}
    env.pop("DATABASE_URL", None)  # a SQLite file of its own under VAR_DIR
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    log = open(tmp_path / "run.log", "wb")  # noqa: SIM115 (closed when the process ends)
    # A session of its own: Ctrl-C in a terminal signals the whole foreground group.
    process = subprocess.Popen(
        ["scripts/run-all"], cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{env['PORT']}/healthz?check=web", timeout=1)
            return process
        except OSError:
            time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    raise AssertionError((tmp_path / "run.log").read_text())


def test_ctrl_c_stops_web_and_worker_once_and_cleanly(tmp_path):
    process = serve(tmp_path)
    time.sleep(2)  # the worker is in its loop
    os.killpg(process.pid, signal.SIGINT)  # what the terminal does on Ctrl-C
    try:
        returncode = process.wait(timeout=20)
    finally:
        leftover = subprocess.run(["pgrep", "-g", str(process.pid)], capture_output=True)
        os.killpg(process.pid, signal.SIGKILL) if leftover.stdout else None
    log = (tmp_path / "run.log").read_text()
    assert leftover.stdout == b"", f"still running:\n{log}"
    assert returncode in (0, 130), log
    assert log.count("Worker stopped:") == 1, log
    assert log.count("Shutting down: Master") == 1, log
    assert "Segmentation fault" not in log and "Traceback" not in log, log
