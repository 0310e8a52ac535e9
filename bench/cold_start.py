"""Cold start: `import app` against importing only the runtime dependencies it
uses, the first request after the import, and the deployment package's size.

Each import sample is a whole new interpreter process, as in a Lambda cold
start, timed from its start to the end of the import (not its teardown at
exit, which a Lambda process never reaches before serving). The kinds of process
are interleaved so that machine noise hits
both alike; the figures are medians, and the ratio is of medians from one run.

    .venv/bin/python -m bench.cold_start [--runs 21]
"""

import argparse
import compileall
import json
import os
import statistics
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "CATALYST_STAGE": "local", "AWS_REGION": "us-east-1"}
# Where `chalice package` (through `make cdk-synth`) leaves the deployment package.
PACKAGE_GLOBS = (".chalice/deployments/*.zip", "infra/cdk/cdk.out/chalice.out/*/deployment.zip")
# boto3 and botocore ship inside the package (pinned), though Lambda's runtime has its own copy.
AWS_SDK_PACKAGES = frozenset({"boto3", "botocore", "s3transfer"})
HOW_TO_PACKAGE = "`make cdk-synth` builds one (it downloads Lambda's arm64 wheels, which `make bench` never does)"

_LIST_DEPENDENCY_MODULES = """
import json, sys
before = set(sys.modules)
import app
stdlib = sys.stdlib_module_names
own = {"app", "chalicelib"}
names = sorted(
    name for name in set(sys.modules) - before
    if name.split(".")[0] not in stdlib and name.split(".")[0] not in own and not name.startswith("_")
)
print(json.dumps(names))
"""

# In a fresh process: import the app, then serve two requests in-process, as
# Lambda's first invocation would (chalice.test builds the API Gateway event).
_FIRST_REQUEST = """
import json, sys, time
started = time.perf_counter()
import app
imported = time.perf_counter()
from chalice.test import Client
with Client(app.app, stage_name="local") as client:
    timings = []
    for _ in range(2):
        before = time.perf_counter()
        response = client.http.get("/api/orders/", headers={"Authorization": "Token " + sys.argv[1]})
        timings.append(time.perf_counter() - before)
        assert response.status_code == 200, response.body
print(json.dumps({"import": imported - started, "first": timings[0], "second": timings[1]}))
"""


@dataclass
class ColdStartResult:
    runs: int
    dependency_modules: int
    interpreter_ms: float
    dependencies_ms: float
    app_ms: float

    @property
    def ratio(self) -> float:
        return self.app_ms / self.dependencies_ms


@dataclass
class FirstRequestResult:
    runs: int
    import_ms: float
    first_ms: float
    second_ms: float


@dataclass
class PackageSize:
    path: Path
    built: datetime
    zipped_bytes: int
    unzipped_bytes: int
    files: int
    aws_sdk_zipped_bytes: int
    older_than_sources: bool


def dependency_modules() -> list[str]:
    output = subprocess.run(
        [sys.executable, "-c", _LIST_DEPENDENCY_MODULES], cwd=PROJECT_DIR, env=ENV, capture_output=True, check=True
    ).stdout
    return json.loads(output)


# A cold start ends when the handler is ready; Lambda then keeps the process.
# The interpreter's teardown at exit (about 100 ms here, and more the more
# objects were made) is no part of it, so each process leaves without one.
_LEAVE_AT_ONCE = "\nimport os\nos._exit(0)\n"


def _time_process(code: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code + _LEAVE_AT_ONCE], cwd=PROJECT_DIR, env=ENV, check=True)
    return time.perf_counter() - started


def _compile_own_code() -> None:
    """The dependencies were compiled to bytecode when pip installed them; the
    app's code is compiled here too, so that both sides load bytecode (where
    PYTHONDONTWRITEBYTECODE is set, Python would otherwise compile the app's
    modules anew in every process, about 40 ms)."""
    compileall.compile_file(str(PROJECT_DIR / "app.py"), quiet=1)
    compileall.compile_dir(str(PROJECT_DIR / "chalicelib"), quiet=1)


def measure(runs: int) -> ColdStartResult:
    _compile_own_code()
    modules = dependency_modules()
    baseline_code = f"import importlib\nfor name in {modules!r}:\n    importlib.import_module(name)\n"
    app_code = "import app"
    empty_code = "pass"
    samples: dict[str, list[float]] = {"empty": [], "dependencies": [], "app": []}
    for _ in range(runs):
        samples["empty"].append(_time_process(empty_code))
        samples["dependencies"].append(_time_process(baseline_code))
        samples["app"].append(_time_process(app_code))
    medians = {name: statistics.median(values) * 1000 for name, values in samples.items()}
    return ColdStartResult(
        runs=runs,
        dependency_modules=len(modules),
        interpreter_ms=medians["empty"],
        dependencies_ms=medians["dependencies"],
        app_ms=medians["app"],
    )


def first_request(token: str, runs: int) -> FirstRequestResult:
    """GET /api/orders/ with `token`, in fresh processes whose environment
    (os.environ) points the app at tables holding the token's user."""
    samples: dict[str, list[float]] = {"import": [], "first": [], "second": []}
    for _ in range(runs):
        output = subprocess.run(
            [sys.executable, "-c", _FIRST_REQUEST, token], cwd=PROJECT_DIR, capture_output=True, check=True, text=True
        ).stdout
        for name, seconds in json.loads(output).items():
            samples[name].append(seconds * 1000)
    medians = {name: statistics.median(values) for name, values in samples.items()}
    return FirstRequestResult(
        runs=runs, import_ms=medians["import"], first_ms=medians["first"], second_ms=medians["second"]
    )


def deployment_package() -> PackageSize | None:
    """The newest package zip here, if `chalice package` has built one."""
    zips = [path for pattern in PACKAGE_GLOBS for path in PROJECT_DIR.glob(pattern)]
    if not zips:
        return None
    newest = max(zips, key=lambda path: path.stat().st_mtime)
    with zipfile.ZipFile(newest) as archive:
        entries = archive.infolist()
    sources = [PROJECT_DIR / "app.py", PROJECT_DIR / "requirements.txt"]
    sources += [
        path for path in PROJECT_DIR.glob("chalicelib/**/*") if path.is_file() and "__pycache__" not in path.parts
    ]
    return PackageSize(
        path=newest.relative_to(PROJECT_DIR),
        built=datetime.fromtimestamp(newest.stat().st_mtime, UTC),
        zipped_bytes=newest.stat().st_size,
        unzipped_bytes=sum(entry.file_size for entry in entries),
        files=len(entries),
        aws_sdk_zipped_bytes=sum(
            entry.compress_size for entry in entries if entry.filename.split("/")[0] in AWS_SDK_PACKAGES
        ),
        older_than_sources=any(source.stat().st_mtime > newest.stat().st_mtime for source in sources),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=21)
    result = measure(parser.parse_args().runs)
    print(f"cold start, median of {result.runs} interleaved processes each:")
    print(f"  empty interpreter         {result.interpreter_ms:7.1f} ms")
    print(f"  runtime dependencies only {result.dependencies_ms:7.1f} ms  ({result.dependency_modules} modules)")
    print(f"  import app                {result.app_ms:7.1f} ms")
    print(f"  ratio app / dependencies  {result.ratio:7.3f}  (goal <= 1.10)")
    package = deployment_package()
    if package is None:
        print(f"  deployment package        not measured: {HOW_TO_PACKAGE}")
    else:
        print(f"  deployment package        {package.zipped_bytes / 1e6:7.1f} MB zipped ({package.path})")


if __name__ == "__main__":
    main()
