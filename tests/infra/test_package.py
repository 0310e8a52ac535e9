"""The package we deploy (infra/package.py, `make package`): bytecode for every
module, compiled by Lambda's Python, and the one zip the stack's functions run."""

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path, PurePosixPath

import botocore
import pytest
from aws_cdk import App, Stack

from chalicelib.aws_clients import AWS_SERVICES, aws_client
from infra.cdk.stack import PackagedApp, PackageMissing
from infra.package import deployed_architecture, keep_botocore_data_of, package_differences
from tests.infra.conftest import PROJECT_DIR, Synthesized

# Python 3.12's bytecode: its magic number, and PEP 552's flags for a hash-based .pyc whose source is never checked.
PYTHON_312_MAGIC = (3531).to_bytes(2, "little") + b"\r\n"
UNCHECKED_HASH_FLAGS = 0b01


def pyc_of(name: str) -> str:
    source = PurePosixPath(name)
    return str(source.parent / "__pycache__" / f"{source.stem}.cpython-312.pyc").removeprefix("./")


def test_the_stages_deploy_arm64() -> None:
    assert deployed_architecture() == "arm64"


def test_the_functions_run_the_package_make_package_built(synthesized: Synthesized) -> None:
    (asset,) = synthesized.cloud_assembly.glob("asset.*.zip")
    assert asset.read_bytes() == synthesized.package.read_bytes()
    functions = synthesized.of_type("AWS::Serverless::Function")
    assert len(functions) == 3
    for function in functions.values():
        assert function["Properties"]["Architectures"] == ["arm64"]
        assert function["Properties"]["CodeUri"]["Key"] == asset.name.removeprefix("asset.")


def test_every_module_of_the_package_has_its_bytecode_for_python_312(synthesized: Synthesized) -> None:
    assert importlib.util.MAGIC_NUMBER == PYTHON_312_MAGIC  # the runtime's Python runs the tests too
    with zipfile.ZipFile(synthesized.package) as package:
        names = set(package.namelist())
        sources = [name for name in names if name.endswith(".py")]
        assert {"app.py", "chalicelib/web/access.py", "chalice/app.py"} <= set(sources)
        for source in sources:
            header = package.read(pyc_of(source))[:16]
            assert header[:4] == PYTHON_312_MAGIC, source
            assert int.from_bytes(header[4:8], "little") == UNCHECKED_HASH_FLAGS, source
            assert header[8:16] == importlib.util.source_hash(package.read(source)), source


def _project(tmp_path: Path, *packages: str) -> Path:
    """The app's code and configuration, with a package of that code for each architecture named."""
    project = tmp_path / "project"
    shutil.copytree(PROJECT_DIR / "chalicelib", project / "chalicelib", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(PROJECT_DIR / ".chalice", project / ".chalice", ignore=shutil.ignore_patterns("deploy*"))
    shutil.copy2(PROJECT_DIR / "app.py", project / "app.py")
    (project / "dist").mkdir()
    for architecture in packages:
        with zipfile.ZipFile(project / "dist" / f"deployment-{architecture}.zip", "w") as package:
            for path in [project / "app.py", *(project / "chalicelib").rglob("*")]:
                if path.is_file():
                    package.write(path, path.relative_to(project).as_posix())
    return project


def test_the_stack_refuses_a_missing_package_and_never_takes_the_x86_64_one(tmp_path: Path) -> None:
    project = _project(tmp_path, "x86_64")
    with pytest.raises(PackageMissing, match=r"deployment-arm64\.zip is missing"):
        PackagedApp(Stack(App(), "dev"), "App", source_dir=str(project))


def test_the_stack_refuses_a_package_built_before_the_code_changed(tmp_path: Path) -> None:
    project = _project(tmp_path, "arm64")
    assert package_differences(project / "dist" / "deployment-arm64.zip", project) == []
    (project / "chalicelib" / "errors.py").write_text("# changed after packaging\n")
    (project / "chalicelib" / "new_module.py").write_text("# added after packaging\n")

    assert package_differences(project / "dist" / "deployment-arm64.zip", project) == [
        "chalicelib/errors.py",
        "chalicelib/new_module.py",
    ]
    with pytest.raises(PackageMissing, match=r"built before the last change of chalicelib/errors\.py"):
        PackagedApp(Stack(App(), "dev"), "App", source_dir=str(project))


_ENDPOINTS = """
import json, sys
import botocore
import botocore.session
session = botocore.session.get_session()
regions = ("us-east-1", "eu-west-1", "ap-southeast-2", "cn-north-1", "us-gov-west-1")
print(json.dumps({
    "botocore": botocore.__file__,
    "endpoints": {
        f"{service} {region}": session.create_client(
            service, region_name=region, aws_access_key_id="x", aws_secret_access_key="x"
        ).meta.endpoint_url
        for service in sys.argv[1].split(",") for region in regions
    },
}))
"""


def _endpoints(services: frozenset[str], pythonpath: Path | None = None) -> dict:
    environment = {**os.environ, **({"PYTHONPATH": str(pythonpath)} if pythonpath else {})}
    environment.pop("AWS_ENDPOINT_URL", None)
    output = subprocess.run(
        [sys.executable, "-c", _ENDPOINTS, ",".join(sorted(services))],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(output)


def test_the_package_keeps_botocore_whole_for_the_services_the_app_calls(tmp_path: Path) -> None:
    shutil.copytree(Path(botocore.__file__).parent, tmp_path / "botocore", ignore=shutil.ignore_patterns("__pycache__"))

    keep_botocore_data_of(AWS_SERVICES, tmp_path)

    data = tmp_path / "botocore" / "data"
    assert {path.name for path in data.iterdir() if path.is_dir()} == AWS_SERVICES
    assert (data / "endpoints.json").stat().st_size < 100_000
    trimmed, whole = _endpoints(AWS_SERVICES, tmp_path), _endpoints(AWS_SERVICES)
    assert trimmed["botocore"].startswith(str(tmp_path))
    assert trimmed["endpoints"] == whole["endpoints"]
    assert len(whole["endpoints"]) == 5 * len(AWS_SERVICES)


def test_a_client_of_a_service_the_package_lacks_is_refused() -> None:
    with pytest.raises(ValueError, match="not in AWS_SERVICES"):
        aws_client("s3", region="us-east-1")
