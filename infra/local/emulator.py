"""The embedded AWS emulator: moto in server mode, as a child process.

LocalStack listens on 4566, so the emulator does too by default: switching
between the two is a matter of the endpoint URL alone.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from infra.local.processes import dies_with_parent

PROJECT_DIR = Path(__file__).resolve().parents[2]
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4566
# Queue URLs and ARNs then look like LocalStack's.
ACCOUNT_ID = "000000000000"
STARTUP_TIMEOUT_SECONDS = 30


class EmulatorError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((DEFAULT_HOST, 0))
        return probe.getsockname()[1]


def port_in_use(host: str, port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex((host, port)) == 0


@dataclass
class Emulator:
    host: str
    port: int
    process: subprocess.Popen

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def account_id(self) -> str:
        return ACCOUNT_ID

    def reset(self) -> None:
        """Drop every resource and item: moto's own reset endpoint."""
        request = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST")
        urllib.request.urlopen(request, timeout=10).close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _wait_until_ready(emulator: Emulator) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if emulator.process.poll() is not None:
            raise EmulatorError(f"the emulator exited with code {emulator.process.returncode}")
        try:
            urllib.request.urlopen(f"{emulator.endpoint_url}/moto-api/data.json", timeout=1).close()
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    emulator.stop()
    raise EmulatorError(f"the emulator did not answer on {emulator.endpoint_url} within {STARTUP_TIMEOUT_SECONDS}s")


def start_emulator(*, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, quiet: bool = True) -> Emulator:
    if port_in_use(host, port):
        raise EmulatorError(
            f"{host}:{port} is already in use. Stop what listens there, or set AWS_ENDPOINT_URL to use it."
        )
    env = {**os.environ, "MOTO_ACCOUNT_ID": ACCOUNT_ID}
    output = subprocess.DEVNULL if quiet else None
    process = subprocess.Popen(
        dies_with_parent([sys.executable, "-m", "infra.local.emulator_server", "-H", host, "-p", str(port)]),
        cwd=PROJECT_DIR,
        env=env,
        stdout=output,
        stderr=output,
        # Out of the terminal's process group: Ctrl-C reaches only the runner,
        # which stops the emulator last, after what still talks to it. Should
        # the runner die without stopping it, the kernel ends it.
        start_new_session=True,
    )
    emulator = Emulator(host=host, port=port, process=process)
    _wait_until_ready(emulator)
    return emulator
