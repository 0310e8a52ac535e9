"""Every AWS client of the app comes from one botocore session per thread.

A botocore session loads each service's model and the endpoint rules once.
With a session per client (PynamoDB makes one for each model's connection,
boto3 a default one besides), a cold start's first request loaded them again
for every client: the three DynamoDB clients and the Secrets Manager client of
a first API request took 230 ms to create in the package, 74 ms from one
session (issue 15; make bench's cold-start section shows the whole effect).
Sessions are per thread: creating clients from one session concurrently is not
safe (PynamoDB keeps its sessions per thread for the same reason), and the
local runner serves from threads.
"""

import threading
from typing import Any

import botocore.session
from pynamodb.connection import base as pynamodb_connection

# Every AWS service the functions call. The package ships botocore's models
# of these alone (infra/package.py): botocore lists and reads its data
# directory on a session's first client, 16 ms less with 4 services than with 449.
AWS_SERVICES = frozenset({"dynamodb", "sqs", "secretsmanager"})
_local = threading.local()


def botocore_session() -> botocore.session.Session:
    session = getattr(_local, "session", None)
    if session is None:
        session = _local.session = botocore.session.get_session()
    return session


def aws_client(service: str, *, region: str, endpoint_url: str | None = None, config: Any = None) -> Any:
    if service not in AWS_SERVICES:
        raise ValueError(f"{service} is not in AWS_SERVICES: the package would ship no model of it")
    return botocore_session().create_client(service, region_name=region, endpoint_url=endpoint_url, config=config)


def share_botocore_session() -> None:
    """PynamoDB's connections take their sessions from the same place. PynamoDB
    asks its connection module's get_session for each one and offers no other hook."""
    pynamodb_connection.get_session = botocore_session  # type: ignore[attr-defined]
