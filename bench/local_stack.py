"""Start the local stack (emulator + runner) for a benchmark, on free ports."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from infra.local.emulator import free_port, start_emulator

PROJECT_DIR = Path(__file__).resolve().parents[1]


@contextmanager
def running_local_stack(extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """Yield the API's base URL while the emulator and the runner are up."""
    emulator = start_emulator(port=free_port())
    port = free_port()
    env = {**os.environ, "AWS_ENDPOINT_URL": emulator.endpoint_url, "LOG_LEVEL": "WARNING", **(extra_env or {})}
    runner = subprocess.Popen(
        [sys.executable, "-m", "infra.local.run", "--port", str(port)],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{base_url}/api/health/", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline or runner.poll() is not None:
                raise RuntimeError("the local stack did not start")
            time.sleep(0.2)
        yield base_url
    finally:
        runner.terminate()
        runner.wait(timeout=15)
        emulator.stop()
