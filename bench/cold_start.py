"""Cold start of the package we deploy (infra/package.py), as whole processes.

The package is built for this machine's architecture (`make package`'s
code; bytecode does not depend on the CPU, the native wheels do), unzipped,
and copied once more without its .pyc files. Each sample is a fresh process of
Lambda's Python in the package's directory, with PYTHONDONTWRITEBYTECODE=1 and
the dev stage's settings as Lambda gets them (.chalice/config.json's
variables, the signing key's secret id, the stream's ARN, a region, dummy
credentials), and Lambda's own variables with active tracing: the function
traces every invocation, as a sampled request is traced on AWS (its
segments go by UDP to a port where no X-Ray daemon listens). Kinds of
process are interleaved so that machine noise hits all alike; the figures
are medians, the ratios of medians from one run.

- imports, with every AWS endpoint on a closed port (an import that called out
  would fail): the empty interpreter; the package's third-party modules that
  `import app` loads, alone; `import app`; `import app` without bytecode;
  `import app` with tracing off (POWERTOOLS_TRACE_DISABLED), which tells
  what X-Ray costs a cold start;
- the first and a second invocation after `import app`, through the
  functions' own entry points against the emulator: the API function
  (GET /api/orders/ with a token, an API Gateway event) and the SQS consumer
  (a batch of one status report). Work done once per process (SDK clients,
  the signing key's fetch, schemas) falls in the first.

    .venv/bin/python -m bench.cold_start [--runs 21]   (imports only)
"""

import argparse
import json
import os
import platform
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import boto3
from chalice.cli.factory import CLIFactory

from chalicelib.config import SECRET_ID_VARIABLE, settings, signing_key_name
from chalicelib.orders.services import order_create
from chalicelib.queues import TICKET_STATUS_EVENTS
from chalicelib.runtime import configure, load_settings
from chalicelib.users.services import user_issue_token, user_register
from infra.local.bootstrap import create_tables
from infra.package import package_path

PROJECT_DIR = Path(__file__).resolve().parents[1]
STAGE = "dev"
REGION = "us-east-1"
# Nothing listens on port 9 (discard): an import that made a call would fail at once.
NOWHERE = "http://127.0.0.1:9"
ARCHITECTURES = {"x86_64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}
FAKE_STREAM_ARN = f"arn:aws:dynamodb:{REGION}:123456789012:table/catalyst-{STAGE}-orders/stream/2026-01-01T00:00:00"
# What Lambda's runtime sets for a function with active tracing: the task root
# (which turns tracing on), the invocation's sampled trace header, the X-Ray daemon's address.
LAMBDA_TRACING = {
    "LAMBDA_TASK_ROOT": "/var/task",
    "AWS_LAMBDA_FUNCTION_NAME": f"catalyst-{STAGE}",
    "_X_AMZN_TRACE_ID": "Root=1-6a000000-0123456789abcdef01234567;Parent=0123456789abcdef;Sampled=1",
    "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
}
UNTRACED = {"POWERTOOLS_TRACE_DISABLED": "true"}

# The third-party modules a process has loaded (since `before`): what a baseline imports alone.
_THIRD_PARTY_LOADED = """
def third_party_loaded(before):
    own = {"app", "chalicelib"}
    return sorted(
        name for name in set(sys.modules) - before
        if name.split(".")[0] not in sys.stdlib_module_names | own and not name.startswith("_")
    )
"""
_LIST_THIRD_PARTY_MODULES = (
    "import json, sys\n" + _THIRD_PARTY_LOADED + "before = set(sys.modules)\nimport app\n"
    "print(json.dumps(third_party_loaded(before)))\n"
)
# A cold start ends when the handler is ready; Lambda then keeps the process.
# The interpreter's teardown at exit (about 100 ms here) is no part of it.
_LEAVE_AT_ONCE = "\nimport os\nos._exit(0)\n"

# Import the app, then invoke one function's entry point with each event on
# stdin, as Lambda's runtime would; print the timings.
_INVOCATIONS = """
import json, sys, time
THIRD_PARTY_LOADED
loaded_before = set(sys.modules)
started = time.perf_counter()
import app
imported = time.perf_counter()

class Context:
    function_name = "catalyst-dev"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:catalyst-dev"
    aws_request_id = "cold-start"
    log_group_name = log_stream_name = "cold-start"
    def get_remaining_time_in_millis(self):
        return 30000

entry = {"api": app.app, "sqs": app.ticket_status_events}[sys.argv[1]]
timings = []
for event in json.loads(sys.stdin.read()):
    invoked = time.perf_counter()
    answer = entry(event, Context())
    timings.append(time.perf_counter() - invoked)
    failed = answer.get("statusCode", 200) != 200 or answer.get("batchItemFailures")
    assert not failed, answer
print(json.dumps({
    "timings": {"import": imported - started, "first": timings[0], "second": timings[1]},
    "third_party": third_party_loaded(loaded_before),
}))
""".replace("THIRD_PARTY_LOADED", _THIRD_PARTY_LOADED)


@dataclass
class Package:
    path: Path
    architecture: str
    zipped_bytes: int
    unzipped_bytes: int
    files: int
    pyc_files: int


@dataclass
class Imports:
    runs: int
    third_party_modules: int
    interpreter_ms: float
    third_party_ms: float
    app_ms: float
    app_without_bytecode_ms: float
    app_untraced_ms: float

    @property
    def bytecode_ratio(self) -> float:
        return self.app_ms / self.app_without_bytecode_ms


@dataclass
class Invocations:
    function: str
    request: str
    runs: int
    import_ms: float
    first_ms: float
    second_ms: float
    # The third-party modules this function has loaded once its first invocation is done
    # (`import app`'s, and those its first call loads on first use), imported alone.
    third_party_modules: int
    third_party_ms: float
    # Each process's own `import app` + first invocation, traced (as on Lambda) and with tracing off
    # (POWERTOOLS_TRACE_DISABLED): medians of those sums.
    traced_cold_ms: float
    untraced_cold_ms: float


@dataclass
class ColdStart:
    package: Package
    imports: Imports
    invocations: list[Invocations]

    def ratio(self, invocations: Invocations) -> float:
        """A cold start (import + first invocation) against the function's third-party imports
        plus a warm invocation: what is left is our own code's, and work done once per process."""
        cold = self.imports.app_ms + invocations.first_ms
        return cold / (invocations.third_party_ms + invocations.second_ms)


def lambda_environment(endpoint: str) -> dict[str, str]:
    """The dev stage's environment as its functions get it, every AWS client sent to `endpoint`."""
    # The variables Chalice gives the stage's functions (the file's and the stage's, merged as it merges them).
    config = CLIFactory(str(PROJECT_DIR)).create_config_obj(chalice_stage_name=STAGE)
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONDONTWRITEBYTECODE": "1",
        **config.environment_variables,
        SECRET_ID_VARIABLE: signing_key_name(STAGE),
        "ORDERS_STREAM_ARN": FAKE_STREAM_ARN,
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_ENDPOINT_URL": endpoint,
        "LOG_LEVEL": "WARNING",
        **LAMBDA_TRACING,
    }


def _runtime_python() -> str:
    # The interpreter under the venv: the package's directory, not .venv's site-packages, supplies the modules.
    return getattr(sys, "_base_executable", sys.executable)


def _run(directory: Path, code: str, environment: dict[str, str], *args: str, stdin: str | None = None) -> str:
    return subprocess.run(
        [_runtime_python(), "-s", "-c", code, *args],
        cwd=directory,
        env=environment,
        input=stdin,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def _time_process(directory: Path, code: str, environment: dict[str, str]) -> float:
    """A whole process's time, from its start to its handler's being ready."""
    started = time.perf_counter()
    _run(directory, code + _LEAVE_AT_ONCE, environment)
    return (time.perf_counter() - started) * 1000


@contextmanager
def unzipped_package() -> Iterator[tuple[Package, Path, Path]]:
    """The package for this machine, built and unzipped; and a copy of it without bytecode."""
    architecture = ARCHITECTURES[platform.machine()]
    # In a process of its own, as `make package` runs: Chalice imports app.py to package it,
    # which would leave this process configured for the dev stage.
    subprocess.run([sys.executable, "-m", "infra.package", "--architecture", architecture], cwd=PROJECT_DIR, check=True)
    zip_path = package_path(architecture)
    with tempfile.TemporaryDirectory(prefix="catalyst-cold-start-") as work:
        with_bytecode, without_bytecode = Path(work) / "package", Path(work) / "package-without-bytecode"
        with zipfile.ZipFile(zip_path) as archive:
            archive.extractall(with_bytecode)
            entries = archive.infolist()
        shutil.copytree(with_bytecode, without_bytecode, ignore=shutil.ignore_patterns("__pycache__"))
        package = Package(
            path=zip_path.relative_to(PROJECT_DIR),
            architecture=architecture,
            zipped_bytes=zip_path.stat().st_size,
            unzipped_bytes=sum(entry.file_size for entry in entries),
            files=len(entries),
            pyc_files=sum(1 for entry in entries if entry.filename.endswith(".pyc")),
        )
        yield package, with_bytecode, without_bytecode


def _importing(modules: list[str]) -> str:
    """Code that imports these modules alone, as app.py imports its own: with the garbage collector
    paused by chalicelib/loading.py (stdlib only). Without the pause the baseline paid collections that
    `import app` does not (21 ms of 328 here with 406 modules), and measured above `import app` itself."""
    return (
        "import importlib\nfrom chalicelib.loading import garbage_collection_paused\n"
        f"with garbage_collection_paused():\n    for name in {modules!r}:\n        importlib.import_module(name)\n"
    )


def measure_imports(with_bytecode: Path, without_bytecode: Path, runs: int) -> Imports:
    environment = lambda_environment(NOWHERE)
    modules = json.loads(_run(with_bytecode, _LIST_THIRD_PARTY_MODULES, environment))
    third_party = _importing(modules)
    untraced = {**environment, **UNTRACED}
    kinds = {
        "empty": (with_bytecode, "pass", environment),
        "third_party": (with_bytecode, third_party, environment),
        "app": (with_bytecode, "import app", environment),
        "app_without_bytecode": (without_bytecode, "import app", environment),
        "app_untraced": (with_bytecode, "import app", untraced),
    }
    samples: dict[str, list[float]] = {kind: [] for kind in kinds}
    for _ in range(runs):
        for kind, (directory, code, kind_environment) in kinds.items():
            samples[kind].append(_time_process(directory, code, kind_environment))
    medians = {kind: statistics.median(values) for kind, values in samples.items()}
    return Imports(
        runs=runs,
        third_party_modules=len(modules),
        interpreter_ms=medians["empty"],
        third_party_ms=medians["third_party"],
        app_ms=medians["app"],
        app_without_bytecode_ms=medians["app_without_bytecode"],
        app_untraced_ms=medians["app_untraced"],
    )


def api_event(path: str, token: str) -> dict:
    """An API Gateway (REST, payload 1.0) proxy event for a GET, as Lambda hands it to the API function."""
    resource = path.rstrip("/")
    headers = {"Authorization": f"Token {token}", "Host": "api.example.com"}
    return {
        "resource": resource,
        "path": path,
        "httpMethod": "GET",
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": resource,
            "httpMethod": "GET",
            "path": f"/api{path}",
            "requestId": str(uuid.uuid4()),
            "stage": "api",
            "identity": {"sourceIp": "192.0.2.1"},
        },
        "body": None,
        "isBase64Encoded": False,
    }


def sqs_event(queue_arn: str, report: dict) -> dict:
    """A batch of one status report, as Lambda's SQS poller hands it to the consumer."""
    body = json.dumps(report)
    return {
        "Records": [
            {
                "messageId": str(uuid.uuid4()),
                "receiptHandle": "cold-start",
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": str(int(time.time() * 1000))},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": REGION,
            }
        ]
    }


@contextmanager
def dev_stage(endpoint: str) -> Iterator[None]:
    """The dev stage's tables and signing key in the emulator at `endpoint`, and this
    process configured for it meanwhile (to register a user and make orders there)."""
    previous = settings()
    secret = secrets.token_urlsafe(48)
    client = boto3.client("secretsmanager", region_name=REGION, endpoint_url=endpoint)
    client.create_secret(Name=signing_key_name(STAGE), SecretString=secret)
    configure(load_settings({"CATALYST_STAGE": STAGE, "SECRET_KEY": secret, "AWS_REGION": REGION}))
    try:
        create_tables()
        yield
    finally:
        configure(previous)


def _median_cold(timings: dict[str, list[float]], variant: str) -> float:
    imports, firsts = timings[f"{variant}import"], timings[f"{variant}first"]
    return statistics.median(imported + first for imported, first in zip(imports, firsts, strict=True))


def measure_invocations(with_bytecode: Path, endpoint: str, runs: int) -> list[Invocations]:
    """Each run: a fresh process per function, traced and with tracing off, interleaved; the
    SQS consumer's events each move a ticket of their own, so that every batch applies a change."""
    with dev_stage(endpoint):
        user = user_register(email="cold-start@example.com", password="correct horse battery")  # noqa: S106
        token = user_issue_token(user=user)
        # The consumer reads the queue's ARN off the event only (to dead-letter a message, which none of these is).
        queue_arn = f"arn:aws:sqs:{REGION}:123456789012:{settings().resource_name(TICKET_STATUS_EVENTS)}"
        codes = [
            order_create(
                owner_id=user.user_id, customer_name="Cold", customer_phone="+1 555 0100", comment="", tickets=[["P"]]
            )
            .tickets[0]
            .ticket_code
            for _ in range(2 * runs)
        ]
    events = {
        "api": [[api_event("/api/orders/", token)] * 2 for _ in range(2 * runs)],
        "sqs": [
            [sqs_event(queue_arn, {"ticket_code": code, "status": status}) for status in ("IN_PROGRESS", "DONE")]
            for code in codes
        ],
    }
    environments = {"": lambda_environment(endpoint), "untraced_": {**lambda_environment(endpoint), **UNTRACED}}
    samples: dict[str, dict[str, list[float]]] = {
        function: {
            f"{variant}{name}": [] for variant in environments for name in ("import", "first", "second", "third_party")
        }
        for function in events
    }
    loaded: dict[str, list[str]] = {}
    batch = 0
    for _ in range(runs):
        for variant, environment in environments.items():
            for function, batches in events.items():
                # The timings are the last line; the function's own log (its metric documents) comes before.
                printed = _run(with_bytecode, _INVOCATIONS, environment, function, stdin=json.dumps(batches[batch]))
                output = json.loads(printed.splitlines()[-1])
                if not variant:
                    loaded.setdefault(function, output["third_party"])
                for name, seconds in output["timings"].items():
                    samples[function][f"{variant}{name}"].append(seconds * 1000)
            batch += 1
    # Each function's own baseline, interleaved too; no call is made, so the endpoint is closed.
    for _ in range(runs):
        for function, modules in loaded.items():
            samples[function]["third_party"].append(
                _time_process(with_bytecode, _importing(modules), lambda_environment(NOWHERE))
            )
    requests = {"api": "GET /api/orders/ with a token", "sqs": "a batch of one status report"}
    return [
        Invocations(
            function=function,
            request=requests[function],
            runs=runs,
            import_ms=statistics.median(timings["import"]),
            first_ms=statistics.median(timings["first"]),
            second_ms=statistics.median(timings["second"]),
            third_party_modules=len(loaded[function]),
            third_party_ms=statistics.median(timings["third_party"]),
            traced_cold_ms=_median_cold(timings, ""),
            untraced_cold_ms=_median_cold(timings, "untraced_"),
        )
        for function, timings in samples.items()
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=21)
    runs = parser.parse_args().runs
    with unzipped_package() as (package, with_bytecode, without_bytecode):
        imports = measure_imports(with_bytecode, without_bytecode, runs)
    print(f"{package.path}: {package.zipped_bytes:,} bytes zipped, {package.pyc_files:,} .pyc; median of {runs}:")
    print(f"  empty interpreter          {imports.interpreter_ms:7.1f} ms")
    print(f"  third-party modules alone  {imports.third_party_ms:7.1f} ms  ({imports.third_party_modules} modules)")
    print(f"  import app                 {imports.app_ms:7.1f} ms")
    print(f"  import app, no bytecode    {imports.app_without_bytecode_ms:7.1f} ms")
    print(f"  import app, tracing off    {imports.app_untraced_ms:7.1f} ms")
    print(f"  ratio with / without       {imports.bytecode_ratio:7.3f}  (goal <= 0.40)")


if __name__ == "__main__":
    main()
