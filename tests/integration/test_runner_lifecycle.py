"""Nothing `make run` starts outlives it, however it is stopped: a process
manager's SIGTERM to its process group (which make passes on as a second
SIGTERM), a closed terminal's SIGHUP, or SIGKILL to the runner itself.

On the emulator pass `make run` starts its own emulator; on the LocalStack
pass `make run-localstack` starts its own host-mode LocalStack.
"""

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from infra.local.emulator import free_port, port_in_use
from tests.integration.conftest import BACKEND, PROJECT_DIR

STARTUP_TIMEOUT_SECONDS = 120
STOP_DEADLINE_SECONDS = 15


@dataclass
class MakeRun:
    make: subprocess.Popen
    api_port: int
    backend_port: int
    log_path: Path

    @property
    def runner_pid(self) -> int:
        output = subprocess.run(["pgrep", "-P", str(self.make.pid)], capture_output=True, text=True, check=True)
        [pid] = output.stdout.split()
        return int(pid)

    def listening(self) -> list[int]:
        return [port for port in (self.api_port, self.backend_port) if port_in_use("127.0.0.1", port)]


@pytest.fixture
def make_run(tmp_path: Path) -> Iterator[MakeRun]:
    api_port, backend_port = free_port(), free_port()
    env = {name: value for name, value in os.environ.items() if name != "AWS_ENDPOINT_URL"}
    env |= {"PORT": str(api_port), "PYTHONUNBUFFERED": "1"}
    if BACKEND == "localstack":
        target, env["LOCALSTACK_HOST"] = "run-localstack", f"127.0.0.1:{backend_port}"
    else:
        target, env["EMULATOR_PORT"] = "run", str(backend_port)
    log_path = tmp_path / "make-run.log"
    with log_path.open("w") as log:
        # A process group of its own, as a terminal or a process manager gives it.
        make = subprocess.Popen(
            ["make", "-s", target],
            cwd=PROJECT_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    run = MakeRun(make, api_port, backend_port, log_path)
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while "Ctrl-C stops everything" not in log_path.read_text():
            assert make.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.2)
        assert run.listening() == [api_port, backend_port]
        yield run
    finally:
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGKILL)
        make.wait()


def _assert_everything_stops(run: MakeRun) -> None:
    deadline = time.monotonic() + STOP_DEADLINE_SECONDS
    while run.listening():
        assert time.monotonic() < deadline, f"still listening on {run.listening()}:\n{run.log_path.read_text()}"
        time.sleep(0.2)


def test_sigterm_to_the_process_group_stops_everything_once(make_run: MakeRun) -> None:
    os.killpg(make_run.make.pid, signal.SIGTERM)
    _assert_everything_stops(make_run)
    make_run.make.wait(timeout=STOP_DEADLINE_SECONDS)
    log = make_run.log_path.read_text()
    assert "Stopped." in log
    assert "Traceback" not in log


def test_a_closed_terminal_stops_everything(make_run: MakeRun) -> None:
    os.killpg(make_run.make.pid, signal.SIGHUP)
    _assert_everything_stops(make_run)


def test_a_killed_runner_takes_its_backend_with_it(make_run: MakeRun) -> None:
    os.kill(make_run.runner_pid, signal.SIGKILL)
    _assert_everything_stops(make_run)
