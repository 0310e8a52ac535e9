"""A test session's own account in an already running LocalStack.

LocalStack keeps each account's resources apart and takes a 12-digit access
key id as the account id. A session that works in a fresh random account
sees only what it creates itself, so at its end it deletes every table and
queue of that account: exactly what it created, and nothing a developer keeps
in LocalStack's default account (000000000000).

The integration suite runs this way on LocalStack (`make test`'s second
pass, `make test-localstack`): its emulator fixture yields
`isolated_account(endpoint)` instead of starting the embedded emulator.
"""

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3

from infra.localstack.host import localstack_version

REGION = "us-east-1"
CREDENTIAL_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")


class NotLocalStackError(RuntimeError):
    pass


@dataclass(frozen=True)
class IsolatedAccount:
    endpoint_url: str
    account_id: str

    def client(self, service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.endpoint_url,
            region_name=REGION,
            aws_access_key_id=self.account_id,
            aws_secret_access_key="test",  # noqa: S106 (LocalStack ignores it)
        )

    def delete_everything(self) -> list[str]:
        """Delete every table and queue of this account; return their names."""
        dynamodb, sqs = self.client("dynamodb"), self.client("sqs")
        deleted = []
        for page in dynamodb.get_paginator("list_tables").paginate():
            for table in page["TableNames"]:
                dynamodb.delete_table(TableName=table)
                deleted.append(table)
        for page in sqs.get_paginator("list_queues").paginate():
            for url in page.get("QueueUrls", []):
                sqs.delete_queue(QueueUrl=url)
                deleted.append(url.rsplit("/", 1)[-1])
        return deleted


def random_account_id() -> str:
    # 12 digits with a non-zero first one: never LocalStack's default account.
    return str(10**11 + secrets.randbelow(9 * 10**11))


def ensure_localstack(endpoint_url: str) -> None:
    """Refuse anything but LocalStack: this code deletes what it finds."""
    if localstack_version(endpoint_url) is None:
        raise NotLocalStackError(f"no LocalStack answers on {endpoint_url}")


@contextmanager
def isolated_account(endpoint_url: str) -> Iterator[IsolatedAccount]:
    """Point this process (and the processes it starts) at a fresh account; clean it up after."""
    ensure_localstack(endpoint_url)
    account = IsolatedAccount(endpoint_url=endpoint_url, account_id=random_account_id())
    saved = {name: os.environ.get(name) for name in CREDENTIAL_VARIABLES}
    os.environ.pop("AWS_SESSION_TOKEN", None)
    os.environ.update({"AWS_ACCESS_KEY_ID": account.account_id, "AWS_SECRET_ACCESS_KEY": "test"})
    try:
        yield account
    finally:
        try:
            account.delete_everything()
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
