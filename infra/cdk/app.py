"""The CDK app: one Catalyst stack for the stage given as context.

    cdk synth  -c stage=dev
    cdk deploy -c stage=prod
    cdk deploy -c stage=prod -c front_door=rest    (the REST API instead of the HTTP API)

Run from infra/cdk (cdk.json) or through the Makefile's cdk-* targets.
"""

import os
import sys
from pathlib import Path

import aws_cdk as cdk

PROJECT_DIR = Path(__file__).resolve().parents[2]


def main() -> None:
    sys.path.insert(0, str(PROJECT_DIR))
    from chalicelib.config import SECRET_ID_VARIABLE, signing_key_name
    from chalicelib.runtime import configure, load_settings
    from infra.cdk.stack import CatalystStack
    from infra.cdk.stages import StageChoiceError, stage_profile

    app = cdk.App()
    stage = app.node.try_get_context("stage")
    try:
        profile = stage_profile(stage, app.node.try_get_context("front_door"))
    except StageChoiceError as error:
        sys.exit(f"Catalyst's CDK app: {error}")
    # In the environment, because the stack loads app.py, which reads its
    # settings there as on Lambda: the stage, which names every table and
    # queue, and where the signing key will be (read only to sign).
    os.environ["CATALYST_STAGE"] = stage
    os.environ.setdefault(SECRET_ID_VARIABLE, signing_key_name(stage))
    # Chalice's template needs a region, which botocore reads from AWS_DEFAULT_REGION
    # only: AWS_REGION, or the region the CDK found for the account, does as well.
    regions = (os.environ.get(name) for name in ("AWS_DEFAULT_REGION", "AWS_REGION", "CDK_DEFAULT_REGION"))
    region = next((region for region in regions if region), None)
    if not region:
        sys.exit("Catalyst's CDK app: no region; set AWS_REGION or give your AWS profile one")
    os.environ["AWS_DEFAULT_REGION"] = region
    settings = configure(load_settings())
    CatalystStack(
        app,
        settings,
        profile=profile,
        project_dir=PROJECT_DIR,
        env=cdk.Environment(account=os.environ.get("CDK_DEFAULT_ACCOUNT"), region=os.environ.get("CDK_DEFAULT_REGION")),
    )
    app.synth()


if __name__ == "__main__":
    main()
