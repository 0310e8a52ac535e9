"""`make run`: the whole system on one machine.

Starts the embedded AWS emulator unless AWS_ENDPOINT_URL names another one
(or, with --localstack HOST:PORT, uses the LocalStack there or starts one in
host mode), creates the tables and queues, serves the Chalice app on
http://localhost:8080 with Chalice's own local server, and runs every SQS and
DynamoDB stream handler of the app the way Lambda's event source mappings
would. Ctrl-C, SIGTERM or a closed terminal stops everything it started; if
the runner itself is killed, the emulator and LocalStack die with it.
"""

import argparse
import logging
import os
import subprocess
import sys
import threading
import uuid
from contextlib import ExitStack, suppress
from pathlib import Path
from typing import Any

import boto3
from chalice.cli.factory import CLIFactory
from chalice.local import ChaliceRequestHandler, LambdaEventConverter, ThreadedHTTPServer
from dotenv import load_dotenv

from chalicelib.runtime import configure, load_settings
from infra.local.bootstrap import orders_stream_arn
from infra.local.emulator import DEFAULT_PORT as EMULATOR_PORT
from infra.local.emulator import Emulator, start_emulator
from infra.local.event_sources import EventSourcePoller, pollers_for_app, stop_pollers
from infra.local.processes import stop_on_signals
from infra.localstack.host import LocalStackError, localstack_at

PROJECT_DIR = Path(__file__).resolve().parents[2]
SIGNAL_CHECK_SECONDS = 0.2
LOCAL_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "test",
    "AWS_SECRET_ACCESS_KEY": "test",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def _parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8080")))
    parser.add_argument("--stage", default="local")
    parser.add_argument("--emulator-port", type=int, default=int(os.environ.get("EMULATOR_PORT", EMULATOR_PORT)))
    parser.add_argument(
        "--localstack", metavar="HOST:PORT", help="LocalStack there: used if it answers, else started in host mode"
    )
    return parser.parse_args(argv)


def _any_method_handler(handler: ChaliceRequestHandler, name: str) -> Any:
    if name.startswith("do_"):
        return handler._generic_handle
    raise AttributeError(name)


# What API Gateway puts in each event that Chalice's local server leaves out:
# the request's id, the caller's real address, and every copy of a repeated header.
_peer = threading.local()
_chalice_parse_payload = ChaliceRequestHandler._parse_payload
_chalice_create_lambda_event = LambdaEventConverter.create_lambda_event


def _parse_payload_noting_the_peer(handler: ChaliceRequestHandler) -> Any:
    _peer.address = handler.client_address[0]
    _peer.headers = {name: handler.headers.get_all(name) for name in set(handler.headers.keys())}
    return _chalice_parse_payload(handler)


def _lambda_event_with_the_peer(converter: LambdaEventConverter, *args: Any, **kwargs: Any) -> Any:
    event = _chalice_create_lambda_event(converter, *args, **kwargs)
    event["requestContext"]["requestId"] = str(uuid.uuid4())
    event["requestContext"]["identity"]["sourceIp"] = getattr(_peer, "address", converter.LOCAL_SOURCE_IP)
    event["multiValueHeaders"] = getattr(_peer, "headers", {})
    return event


def _serve_like_api_gateway() -> None:
    # Chalice's handler writes headers and body separately on a keep-alive
    # connection; with Nagle's algorithm on, each response then waits ~40 ms
    # for a delayed ACK, which API Gateway does not do.
    ChaliceRequestHandler.disable_nagle_algorithm = True
    # Python's server answers a method it has no do_<METHOD> for (TRACE, QUERY,
    # ...) with a 501 page; pass every method to the app, which answers one a
    # route lacks with a 405, as API Gateway does.
    ChaliceRequestHandler.__getattr__ = _any_method_handler
    # Python's default backlog of 5 resets connections when a burst of clients
    # arrives at once (20 concurrent registrations); API Gateway queues them.
    ThreadedHTTPServer.request_queue_size = 128
    ChaliceRequestHandler._parse_payload = _parse_payload_noting_the_peer
    LambdaEventConverter.create_lambda_event = _lambda_event_with_the_peer


def _prepare_environment() -> None:
    # Real environment variables win over .env, which wins over the defaults.
    load_dotenv(PROJECT_DIR / ".env", override=False)
    for name, value in LOCAL_CREDENTIALS.items():
        os.environ.setdefault(name, value)


def _log_to_stderr() -> None:
    # The pollers' and handlers' own lines (failures, retries); the app logs JSON by itself.
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    runner_logger = logging.getLogger("infra.local")
    runner_logger.addHandler(handler)
    runner_logger.setLevel(logging.INFO)


def _bootstrap(stage: str) -> list[tuple[str, ...]]:
    """Create the stage's tables and queues; return (kind, name) for each.

    In a child process, because bootstrapping loads the app (for its
    consumers' batching windows): this process must load it only once the
    orders table's stream exists and its ARN is in the environment.
    """
    output = subprocess.run(
        [sys.executable, "-m", "infra.local.bootstrap", "--stage", stage],
        cwd=PROJECT_DIR,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    ).stdout
    return [tuple(line.split(" ready: ", 1)) for line in output.splitlines() if " ready: " in line]


def _print_summary(
    args: argparse.Namespace,
    origin: str,
    resources: list[tuple[str, ...]],
    pollers: list[EventSourcePoller],
) -> None:
    print(f"Catalyst ({args.stage}) is up. Ctrl-C stops everything.")
    print(f"  API            http://localhost:{args.port}  (bound to {args.host})")
    print(f"  AWS endpoint   {os.environ['AWS_ENDPOINT_URL']}  [{origin}]")
    for kind, name in resources:
        print(f"  {kind:<14} {name}")
    for poller in pollers:
        batching = f"batch {poller.batch_size}, window {poller.batching_window_seconds:g} s"
        print(f"  handler        {poller.function.name} <- {poller.source}  ({batching})")
    sys.stdout.flush()


def _aws_endpoint(args: argparse.Namespace, resources: ExitStack) -> str:
    """Point AWS_ENDPOINT_URL at the backend, starting it if need be; return what it is."""
    if args.localstack:
        localstack = resources.enter_context(localstack_at(args.localstack))
        os.environ["AWS_ENDPOINT_URL"] = localstack.url
        return "LocalStack, host mode, started for this run" if localstack.started_here else "LocalStack, left running"
    if os.environ.get("AWS_ENDPOINT_URL"):
        return "configured endpoint"
    emulator: Emulator = start_emulator(port=args.emulator_port)
    resources.callback(emulator.stop)
    os.environ["AWS_ENDPOINT_URL"] = emulator.endpoint_url
    return "embedded emulator (moto, in memory)"


def _serve(args: argparse.Namespace, resources: ExitStack) -> None:
    origin = _aws_endpoint(args, resources)
    factory = CLIFactory(str(PROJECT_DIR), environ=os.environ)
    config = factory.create_config_obj(chalice_stage_name=args.stage)
    os.environ.update(config.environment_variables)
    created = _bootstrap(args.stage)
    # The stage's settings (CATALYST_STAGE comes with the chalice stage) name the table.
    configure(load_settings())
    os.environ["ORDERS_STREAM_ARN"] = orders_stream_arn()

    app = config.chalice_app  # imports app.py, whose settings now see the stream
    _serve_like_api_gateway()
    server = factory.create_local_server(app, config, args.host, args.port)
    server_thread = threading.Thread(target=server.serve_forever, name="chalice-local", daemon=True)
    server_thread.start()
    resources.callback(server.shutdown)
    pollers = pollers_for_app(app, config, boto3.Session())
    for poller in pollers:
        poller.start()
    resources.callback(stop_pollers, pollers)

    _print_summary(args, origin, created, pollers)
    # Not one long join: the kernel may hand a signal to any thread, and Python
    # runs its handler only once the main thread runs again.
    while server_thread.is_alive():
        server_thread.join(timeout=SIGNAL_CHECK_SECONDS)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(sys.argv[1:] if argv is None else argv)
    _prepare_environment()
    _log_to_stderr()
    stop_on_signals()
    # Everything started is stopped in reverse order: pollers, server, then the backend.
    resources = ExitStack()
    try:
        # Ctrl-C, SIGTERM or SIGHUP: a KeyboardInterrupt, once (stop_on_signals), then the orderly stop.
        with resources, suppress(KeyboardInterrupt):
            _serve(args, resources)
    except subprocess.CalledProcessError as error:
        print(f"Creating the tables and queues failed (exit code {error.returncode}).", file=sys.stderr)
        return 1
    except LocalStackError as error:
        print(f"LocalStack: {error}", file=sys.stderr)
        return 1
    print("Stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
