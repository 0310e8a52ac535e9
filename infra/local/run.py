"""`make run`: the whole system on one machine.

Starts the embedded AWS emulator unless AWS_ENDPOINT_URL names another one,
creates the tables, and serves the Chalice app on http://localhost:8080 with
Chalice's own local server. Ctrl-C stops everything it started.
"""

import argparse
import os
import signal
import sys
import threading
from pathlib import Path

from chalice.cli.factory import CLIFactory
from chalice.local import ChaliceRequestHandler
from dotenv import load_dotenv

from infra.local.emulator import DEFAULT_PORT as EMULATOR_PORT
from infra.local.emulator import Emulator, start_emulator

PROJECT_DIR = Path(__file__).resolve().parents[2]
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
    parser.add_argument("--emulator-port", type=int, default=EMULATOR_PORT)
    return parser.parse_args(argv)


def _serve_without_nagle_delay() -> None:
    # Chalice's handler writes headers and body separately on a keep-alive
    # connection; with Nagle's algorithm on, each response then waits ~40 ms
    # for a delayed ACK, which API Gateway does not do.
    ChaliceRequestHandler.disable_nagle_algorithm = True


def _prepare_environment() -> None:
    # Real environment variables win over .env, which wins over the defaults.
    load_dotenv(PROJECT_DIR / ".env", override=False)
    for name, value in LOCAL_CREDENTIALS.items():
        os.environ.setdefault(name, value)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(sys.argv[1:] if argv is None else argv)
    _prepare_environment()

    emulator: Emulator | None = None
    if not os.environ.get("AWS_ENDPOINT_URL"):
        emulator = start_emulator(port=args.emulator_port)
        os.environ["AWS_ENDPOINT_URL"] = emulator.endpoint_url
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        factory = CLIFactory(str(PROJECT_DIR), environ=os.environ)
        config = factory.create_config_obj(chalice_stage_name=args.stage)
        os.environ.update(config.environment_variables)

        from infra.local.bootstrap import bootstrap  # reads the stage's settings

        tables = bootstrap()
        _serve_without_nagle_delay()
        server = factory.create_local_server(config.chalice_app, config, args.host, args.port)
        threading.Thread(target=server.serve_forever, name="chalice-local", daemon=True).start()

        print(f"Catalyst ({args.stage}) is up. Ctrl-C stops everything.")
        print(f"  API            http://localhost:{args.port}  (bound to {args.host})")
        origin = "embedded emulator (moto, in memory)" if emulator else "configured endpoint"
        print(f"  AWS endpoint   {os.environ['AWS_ENDPOINT_URL']}  [{origin}]")
        for name in tables:
            print(f"  table          {name}")
        sys.stdout.flush()
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        if emulator is not None:
            emulator.stop()
    print("Stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
