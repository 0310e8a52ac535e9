"""The Lambda package we deploy: `make package` (python -m infra.package).

Chalice packages the app and its dependencies for one architecture; this
adds the bytecode of every module, compiled by Lambda's Python with
unchecked-hash invalidation, so that a .pyc holds whatever times the unzipped
files get. Lambda's /var/task is read-only: without bytecode in the zip, every
cold start compiles every module from source and cannot keep the result
(1.2 s more per cold start on this machine, issue 15).

    python -m infra.package [--architecture arm64|x86_64] [--stage dev]
        -> dist/deployment-<architecture>.zip   (LAMBDA_ARCHITECTURE also picks it)

The CDK stack deploys dist/deployment-<the architecture in .chalice/config.json>.zip
and nothing else; an x86_64 package exists to be measured on an x86 machine
(bytecode does not depend on the CPU; the native wheels do).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from chalice import api
from chalice.cli.factory import CLIFactory

from chalicelib.aws_clients import AWS_SERVICES
from chalicelib.config import SECRET_ID_VARIABLE, signing_key_name

PROJECT_DIR = Path(__file__).resolve().parents[1]
ARCHITECTURES = ("arm64", "x86_64")
# Lambda's runtime, which Chalice takes from the packaging interpreter: the bytecode must be its version's.
RUNTIME_VERSION = (3, 12)
# Where Lambda unzips the package: the paths the bytecode names, as tracebacks show them.
LAMBDA_TASK_ROOT = "/var/task"
# Every entry carries this time, so that the same sources make the same zip (and the same CDK asset).
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
# The app's own files, which a package must hold as they are now (package_differences).
OWN_CODE = ("app.py", "chalicelib")


def deployed_architecture(stage: str = "dev", project_dir: Path = PROJECT_DIR) -> str:
    """The architecture `stage` deploys, as Chalice reads it from .chalice/config.json (the one place it is said)."""
    return CLIFactory(str(project_dir)).create_config_obj(chalice_stage_name=stage).lambda_architecture


def package_path(architecture: str, project_dir: Path = PROJECT_DIR) -> Path:
    return project_dir / "dist" / f"deployment-{architecture}.zip"


@contextmanager
def _packaging_environment(stage: str) -> Iterator[None]:
    """What app.py needs to load while Chalice reads its routes, as the CDK app gives it:
    the stage, and where its signing key will be (never fetched here); and a region for
    the template Chalice writes beside the zip, which is not used."""
    saved = dict(os.environ)
    os.environ["CATALYST_STAGE"] = stage
    os.environ.setdefault(SECRET_ID_VARIABLE, signing_key_name(stage))
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def build(*, architecture: str, stage: str = "dev", project_dir: Path = PROJECT_DIR) -> Path:
    """Package the app for `architecture`, with bytecode; the zip's path."""
    if sys.version_info[:2] != RUNTIME_VERSION:
        raise SystemExit(f"infra.package runs on Python {'.'.join(map(str, RUNTIME_VERSION))}, Lambda's runtime")
    if architecture not in ARCHITECTURES:
        raise SystemExit(f"--architecture is one of {', '.join(ARCHITECTURES)}, not {architecture!r}")
    output = package_path(architecture, project_dir)
    with tempfile.TemporaryDirectory(prefix="catalyst-package-") as work:
        packaged, tree = Path(work) / "chalice", Path(work) / "tree"
        with _packaging_environment(stage):
            api.package_app(
                project_dir=str(project_dir),
                output_dir=str(packaged),
                stage=stage,
                chalice_config={"lambda_architecture": architecture},
            )
        with zipfile.ZipFile(packaged / "deployment.zip") as chalice_zip:
            chalice_zip.extractall(tree)
            modes = {entry.filename: entry.external_attr for entry in chalice_zip.infolist()}
        keep_botocore_data_of(AWS_SERVICES, tree)
        _compile(tree)
        _write_zip(tree, output, modes)
    return output


def _compile(tree: Path) -> None:
    """Every module's bytecode, as the same bytes every build: each module's path as Lambda
    unzips it (not this build's temporary one), a fixed hash seed (the order in which a
    constant set is written depends on it) and one process, in order (marshal marks objects
    by what the process compiled before, so workers sharing the files differently made
    different bytes)."""
    command = [sys.executable, "-m", "compileall", "-q", "--invalidation-mode", "unchecked-hash"]
    environment = {**os.environ, "PYTHONHASHSEED": "0"}
    result = subprocess.run([*command, "-d", LAMBDA_TASK_ROOT, str(tree)], env=environment, check=False)
    if result.returncode != 0:
        raise SystemExit("infra.package: a module of the package does not compile (its error is above)")


def keep_botocore_data_of(services: frozenset[str], tree: Path) -> None:
    """Drop botocore's data on the services the app never calls (chalicelib.aws_clients):
    a session's first client lists the data directory and parses endpoints.json,
    1.2 MB of every service's endpoints. With the directory trimmed, the API function's
    first invocation took 99 ms; with endpoints.json trimmed too, 76 ms (bench.cold_start's
    invocations, medians of 5 processes each); and the zip is 16 MB smaller."""
    data = tree / "botocore" / "data"
    if not data.is_dir():  # requirements without botocore (the infra tests' copy of the project)
        return
    for model in data.iterdir():
        if model.is_dir() and model.name not in services:
            shutil.rmtree(model)
    endpoints = json.loads((data / "endpoints.json").read_text())
    for partition in endpoints["partitions"]:
        partition["services"] = {name: value for name, value in partition["services"].items() if name in services}
    (data / "endpoints.json").write_text(json.dumps(endpoints, separators=(",", ":")))


def _write_zip(tree: Path, output: Path, modes: dict[str, int]) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in sorted(path for path in tree.rglob("*") if path.is_file()):
            name = path.relative_to(tree).as_posix()
            entry = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            entry.external_attr = modes.get(name, 0o644 << 16)
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, path.read_bytes())
    partial.replace(output)


def package_differences(package: Path, project_dir: Path = PROJECT_DIR) -> list[str]:
    """The app's own files that the package lacks or holds in another version: a
    package built before the last change of the code, which must not be deployed."""
    own = [
        path
        for name in OWN_CODE
        for path in ([project_dir / name] if (project_dir / name).is_file() else (project_dir / name).rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    ]
    with zipfile.ZipFile(package) as archive:
        held = set(archive.namelist())
        return sorted(
            name
            for name in (path.relative_to(project_dir).as_posix() for path in own)
            if name not in held or archive.read(name) != (project_dir / name).read_bytes()
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--architecture", choices=ARCHITECTURES, help="default: LAMBDA_ARCHITECTURE, else the stage's (arm64)"
    )
    parser.add_argument("--stage", default="dev", help="the stage whose configuration Chalice packages (default dev)")
    args = parser.parse_args()
    architecture = args.architecture or os.environ.get("LAMBDA_ARCHITECTURE") or deployed_architecture(args.stage)
    output = build(architecture=architecture, stage=args.stage)
    with zipfile.ZipFile(output) as archive:
        entries = archive.infolist()
    unzipped = sum(entry.file_size for entry in entries)
    print(
        f"{output.relative_to(PROJECT_DIR)}: {output.stat().st_size:,} bytes zipped, {unzipped:,} unzipped, "
        f"{len(entries):,} files"
    )


if __name__ == "__main__":
    main()
