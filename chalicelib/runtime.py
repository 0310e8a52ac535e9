"""The app bound to one stage.

Importing chalicelib reads nothing from the environment and names no table.
Each entry point (app.py, for Lambda and the local runner; the operator
commands; the CDK app; the tests) builds its settings once and passes them to
`configure`, which installs them and names every table after the stage.
"""

import os
from collections.abc import Iterator, Mapping

from pynamodb.models import Model

from chalicelib import config
from chalicelib.aws_clients import share_botocore_session
from chalicelib.config import Settings
from chalicelib.observability import logger, start_tracing
from chalicelib.tables import TABLES
from chalicelib.users.permissions import ALL_PERMISSIONS


def load_settings(environ: Mapping[str, str] = os.environ) -> Settings:
    """The settings `environ` describes, every problem with it (DEFAULT_PERMISSIONS' names included) in one error."""
    return config.parse_settings(environ, known_permissions=ALL_PERMISSIONS)


def configure(settings: Settings) -> Settings:
    config.install(settings)
    share_botocore_session()
    for name, model in TABLES.items():
        model.Meta.table_name = settings.resource_name(name)
        model.Meta.region = settings.aws_region
        model.Meta.host = settings.aws_endpoint_url
    for model in _models_and_their_kinds():
        # PynamoDB keeps one connection per class, built on first use: built again, for these settings.
        model._connection = None
    logger.setLevel(settings.log_level)
    if settings.tracing:
        start_tracing()
    return settings


def _models_and_their_kinds() -> Iterator[type[Model]]:
    waiting = list(TABLES.values())
    while waiting:
        model = waiting.pop()
        yield model
        waiting += model.__subclasses__()
