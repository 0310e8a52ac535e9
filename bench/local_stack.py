"""The local stack for a benchmark: the emulator (infra.local.emulator) and
the runner on free ports, and this process set up to run the app's code
against the same emulator."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import requests
from chalice.cli.factory import CLIFactory

from chalicelib.runtime import configure, load_settings
from infra.local.bootstrap import orders_stream_arn
from infra.local.emulator import Emulator, free_port, start_emulator
from infra.local.event_sources import EventSourcePoller, pollers_for_app
from infra.local.lambda_functions import Handler, LocalFunction
from infra.local.processes import dies_with_parent
from infra.local.run import LOCAL_CREDENTIALS

PROJECT_DIR = Path(__file__).resolve().parents[1]
STAGE = "local"


@contextmanager
def running_local_stack(endpoint_url: str | None = None) -> Iterator[str]:
    """Yield the API's base URL while the runner is up, on the AWS endpoint
    `endpoint_url` or on an emulator of its own."""
    emulator = None if endpoint_url else start_emulator(port=free_port())
    endpoint_url = endpoint_url or emulator.endpoint_url
    port = free_port()
    env = {**os.environ, "AWS_ENDPOINT_URL": endpoint_url, "LOG_LEVEL": "WARNING"}
    runner = subprocess.Popen(
        dies_with_parent([sys.executable, "-m", "infra.local.run", "--port", str(port), "--stage", STAGE]),
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
        if emulator is not None:
            emulator.stop()


def _stage_config() -> Any:
    return CLIFactory(str(PROJECT_DIR), environ=os.environ).create_config_obj(chalice_stage_name=STAGE)


def use_emulator_in_process(emulator: Emulator) -> None:
    """Set this process's environment as the runner sets its own, before
    anything imports the app (app.py reads its settings from it, as on
    Lambda); the emulator must already hold the tables."""
    for name, value in LOCAL_CREDENTIALS.items():
        os.environ.setdefault(name, value)
    os.environ["AWS_ENDPOINT_URL"] = emulator.endpoint_url
    os.environ.update(_stage_config().environment_variables)
    # The app's JSON log lines would mix with the table on stdout.
    os.environ["LOG_LEVEL"] = "WARNING"
    configure(load_settings())
    os.environ["ORDERS_STREAM_ARN"] = orders_stream_arn()


def app_pollers() -> dict[str, EventSourcePoller]:
    """The runner's pollers for the app's event handlers, by handler name, set
    up as the local stage deploys them (batch sizes, windows, timeouts)."""
    config = _stage_config()
    pollers = pollers_for_app(config.chalice_app, config, boto3.Session())
    return {poller.function.name: poller for poller in pollers}


def with_handler(function: LocalFunction, handler: Handler) -> LocalFunction:
    """The same function (name, memory, timeout) running another handler, e.g. a timed one."""
    return LocalFunction(
        function.name,
        handler,
        function_name=function.function_name,
        invoked_function_arn=function.invoked_function_arn,
        memory_limit_in_mb=function.memory_limit_in_mb,
        timeout_seconds=function.timeout_seconds,
    )
