"""The CDK app synthesized once per session, offline, for the tests to read.

The app runs as `cdk synth` runs it: in its own process, with the context
and output directory in CDK_CONTEXT_JSON and CDK_OUTDIR. It runs from a copy
of the project whose requirements.txt is empty, so `chalice package` has no
Lambda wheels to download; everything else is packaged as for a deployment.
The process has a region but no credentials, pip may not reach an index and
every HTTP(S) request goes to a closed port, so nothing can be downloaded.
"""

import json
import os
import secrets
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

# jsii (here and in the synthesizing process) warns on every start that Node 20
# is past its end of life; it still works.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from aws_cdk.assertions import Template

from infra.cdk.stages import REST_API

PROJECT_DIR = Path(__file__).resolve().parents[2]
STAGE = "dev"
REGION = "us-east-1"
SYNTH_TIMEOUT_SECONDS = 300
# Port 9 (discard) is closed here: a request through this proxy fails at once.
NOWHERE = "http://127.0.0.1:9"
# What the synthesizing process may not see: credentials, profiles, endpoints.
WITHHELD_PREFIXES = ("AWS_", "CDK_", "LOCALSTACK_")


@dataclass(frozen=True)
class Synthesized:
    template: Template
    resources: dict
    outputs: dict
    cloud_assembly: Path
    deployer_secret_key: str
    # dist/deployment-arm64.zip as `make package` built it in the project's copy.
    package: Path

    def of_type(self, resource_type: str) -> dict[str, dict]:
        return {name: resource for name, resource in self.resources.items() if resource["Type"] == resource_type}

    def function_code(self) -> zipfile.ZipFile:
        (asset,) = self.cloud_assembly.glob("asset.*.zip")
        return zipfile.ZipFile(asset)


def _project_copy(destination: Path) -> Path:
    destination.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "cdk.out", "chalice.out", "node_modules", "deployments", "deployed")
    for name in ("app.py", "chalicelib", ".chalice", "infra"):
        source = PROJECT_DIR / name
        if source.is_dir():
            shutil.copytree(source, destination / name, ignore=ignore)
        else:
            shutil.copy2(source, destination / name)
    (destination / "requirements.txt").write_text("# the test's copy: no Lambda wheels to download\n")
    return destination


def _offline_environment(cloud_assembly: Path, secret_key: str, context: dict[str, str]) -> dict[str, str]:
    environment = {name: value for name, value in os.environ.items() if not name.startswith(WITHHELD_PREFIXES)}
    environment.update(
        {
            "CDK_OUTDIR": str(cloud_assembly),
            "CDK_CONTEXT_JSON": json.dumps({"stage": STAGE, **context}),
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
            "PIP_NO_INDEX": "1",
            "HTTP_PROXY": NOWHERE,
            "HTTPS_PROXY": NOWHERE,
            "NO_PROXY": "",
            # A key in the deployer's shell must reach neither the template nor
            # the package (and chalicelib's settings still ask for one outside local).
            "SECRET_KEY": secret_key,
        }
    )
    return environment


def _synthesize(tmp_path_factory: pytest.TempPathFactory, **context: str) -> Synthesized:
    workspace = tmp_path_factory.mktemp("cdk")
    project = _project_copy(workspace / "project")
    cloud_assembly = workspace / "cdk.out"
    secret_key = secrets.token_urlsafe(48)
    environment = _offline_environment(cloud_assembly, secret_key, context)
    # As make cdk-synth does: the package first (make package), then the app that deploys it.
    for step in (["-m", "infra.package"], ["infra/cdk/app.py"]):
        result = subprocess.run(
            [sys.executable, *step],
            cwd=project,
            env=environment,
            capture_output=True,
            text=True,
            timeout=SYNTH_TIMEOUT_SECONDS,
            check=False,
        )
        assert result.returncode == 0, f"{' '.join(step)} failed:\n{result.stdout}\n{result.stderr}"
    document = json.loads((cloud_assembly / f"{STAGE}.template.json").read_text())
    return Synthesized(
        template=Template.from_json(document),
        resources=document["Resources"],
        outputs=document.get("Outputs", {}),
        cloud_assembly=cloud_assembly,
        deployer_secret_key=secret_key,
        package=project / "dist" / "deployment-arm64.zip",
    )


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """The dev stage as it deploys: behind the HTTP API."""
    return _synthesize(tmp_path_factory)


@pytest.fixture(scope="session")
def synthesized_rest(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """The dev stage with the other front door: cdk deploy -c stage=dev -c front_door=rest."""
    return _synthesize(tmp_path_factory, front_door=REST_API)
