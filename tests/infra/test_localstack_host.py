"""Host-mode LocalStack (infra/localstack/host.py): found or started, never
mistaken, and never outlived by what it starts. `make test` installs it first."""

import os
import signal
import subprocess
import time
from collections.abc import Iterator

import pytest

from infra.local.emulator import Emulator, free_port, port_in_use, start_emulator
from infra.localstack import host
from infra.localstack.host import LocalStackError, localstack_at, localstack_version

DEADLINE_SECONDS = 15


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    emulator = start_emulator(port=free_port())
    yield emulator
    emulator.stop()


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead too, only not yet reaped.
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split(") ", 1)[1][0] != "Z"


def _children(pid: int) -> list[int]:
    output = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False).stdout
    return [int(line) for line in output.split()]


def _command_line(pid: int) -> bytes:
    with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
        return cmdline.read()


def _until(condition: object, what: str) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def test_the_embedded_emulator_is_not_taken_for_localstack(emulator: Emulator) -> None:
    assert localstack_version(emulator.endpoint_url) is None
    with pytest.raises(LocalStackError, match="not LocalStack"), localstack_at(f"127.0.0.1:{emulator.port}"):
        pytest.fail("localstack_at yielded for the emulator")


def test_the_java_launcher_drops_localstacks_agent_and_runs_java() -> None:
    launcher = host.LIB / "java" / host.LOCALSTACK_JAVA_VERSION / "bin" / "java"
    result = subprocess.run(
        [str(launcher), "-javaagent:/nowhere/agent.jar", "-version"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "version" in result.stderr


def test_a_running_localstack_is_used_and_left_running_and_one_started_is_stopped() -> None:
    address = f"127.0.0.1:{free_port()}"
    with localstack_at(address) as started:
        assert started.started_here
        assert localstack_version(started.url) is not None
        with localstack_at(address) as found:
            assert not found.started_here
            assert found.url == started.url
        assert localstack_version(started.url) is not None, "the LocalStack found was stopped"
    assert not port_in_use("127.0.0.1", int(address.rsplit(":", 1)[1]))


def test_a_crashed_localstack_leaves_no_dynamodb_local_behind() -> None:
    localstack = host.start(f"127.0.0.1:{free_port()}")
    try:
        # DynamoDB Local's JVM starts with the dynamodb service, eagerly.
        jvms = [pid for pid in _children(localstack.process.pid) if b"java" in _command_line(pid)]
        assert jvms, "no JVM under LocalStack"
        os.kill(localstack.process.pid, signal.SIGKILL)
        _until(lambda: not any(_process_alive(pid) for pid in jvms), "DynamoDB Local outlived LocalStack")
    finally:
        localstack.stop()
    assert not localstack.root.exists()
