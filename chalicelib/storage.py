"""What every PynamoDB model and transaction shares: region, billing mode and
one connection for transactions.

The endpoint is botocore's AWS_ENDPOINT_URL, which points the same code at the
embedded emulator, LocalStack or (unset) AWS; the localstack stage finds
LocalStack through localstack-client instead (Settings.aws_endpoint_url).
"""

import random
import time
from collections.abc import Callable
from functools import cache
from typing import TypeVar

from botocore.exceptions import ClientError, ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError
from pynamodb.connection import Connection
from pynamodb.constants import PAY_PER_REQUEST_BILLING_MODE
from pynamodb.exceptions import PynamoDBConnectionError, PynamoDBException, TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.config import settings
from chalicelib.errors import Busy

ModelT = TypeVar("ModelT", bound=Model)
CONDITION_FAILED = "ConditionalCheckFailed"
TRANSACTION_CONFLICT = "TransactionConflict"


# Tuned for Lambda's short life: DynamoDB answers in milliseconds, so a call
# that has not connected in 1 s or answered in 3 s is retried rather than
# waited for, and 3 retries (standard mode: exponential backoff with jitter,
# throttling included) fit well inside API Gateway's 29 s limit.
CONNECT_TIMEOUT_SECONDS = 1
READ_TIMEOUT_SECONDS = 3
MAX_RETRY_ATTEMPTS = 3


class TableMeta:
    """Each model's Meta. The table name, region and endpoint come from the
    settings: chalicelib.runtime.configure sets them (the name from
    chalicelib.tables), so importing a model reads nothing."""

    billing_mode = PAY_PER_REQUEST_BILLING_MODE
    connect_timeout_seconds = CONNECT_TIMEOUT_SECONDS
    read_timeout_seconds = READ_TIMEOUT_SECONDS
    max_retry_attempts = MAX_RETRY_ATTEMPTS


def _transaction_connection() -> Connection:
    return _connection(settings().aws_region, settings().aws_endpoint_url)


@cache
def _connection(region: str, host: str | None) -> Connection:
    return Connection(
        region=region,
        host=host,
        connect_timeout_seconds=CONNECT_TIMEOUT_SECONDS,
        read_timeout_seconds=READ_TIMEOUT_SECONDS,
        max_retry_attempts=MAX_RETRY_ATTEMPTS,
    )


def transact_write() -> TransactWrite:
    return TransactWrite(connection=_transaction_connection())


def cancellation_codes(error: TransactWriteError) -> set[str]:
    """Why a transaction was cancelled, e.g. {"ConditionalCheckFailed"}."""
    return {reason.code for reason in error.cancellation_reasons if reason is not None}


def is_condition_failure(error: PynamoDBConnectionError) -> bool:
    return error.cause_response_code == "ConditionalCheckFailedException"


# DynamoDB's answers that mean "not now": retrying later may well succeed.
_BUSY_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "TransactionConflictException",
        "TransactionInProgressException",
        "InternalServerError",
        "ServiceUnavailable",
    }
)


# The endpoint did not answer in time, or at all.
_UNREACHABLE = (ConnectTimeoutError, ReadTimeoutError, EndpointConnectionError)


def is_transient(error: Exception) -> bool:
    """A storage failure that outlasted the SDK's own retries but may pass soon."""
    if isinstance(error, TransactWriteError) and TRANSACTION_CONFLICT in cancellation_codes(error):
        return True
    if isinstance(error, PynamoDBException):
        # Checked first: botocore's connection errors carry a `response` of None,
        # which PynamoDB's cause_response_code cannot read.
        if isinstance(error.cause, _UNREACHABLE):
            return True
        return isinstance(error.cause, ClientError) and error.cause_response_code in _BUSY_CODES
    if isinstance(error, ClientError):  # a boto3 call of ours, outside PynamoDB
        return error.response.get("Error", {}).get("Code") in _BUSY_CODES
    return isinstance(error, _UNREACHABLE)


# A free-text search scans; each request reads at most this many items
# (about 1 MB for our item sizes) before answering with what it found and a
# cursor to continue, so a search's cost and latency stay bounded.
MAX_ITEMS_SCANNED_PER_REQUEST = 2_000
SCAN_PAGE_SIZE = 500


def scan_page(
    model: type[ModelT], condition: Condition | None, *, limit: int, start_key: dict | None
) -> tuple[list[ModelT], dict | None]:
    """Up to `limit` matching items, and where to resume (None at the table's end)."""
    pages = model.scan(condition, last_evaluated_key=start_key, page_size=SCAN_PAGE_SIZE).page_iter
    found: list[ModelT] = []
    for page in pages:
        for raw in page.get("Items", []):
            found.append(model.from_raw_data(raw))
            if len(found) == limit:
                return found, {name: raw[name] for name in pages.key_names}
        if pages.total_scanned_count >= MAX_ITEMS_SCANNED_PER_REQUEST:
            break
    return found, pages.last_evaluated_key


# A write that lost a race is tried again, after a short random pause that
# grows with each round, so that the racers spread out.
RETRY_BACKOFF_SECONDS = 0.02
T = TypeVar("T")


class LostRace(Exception):
    """This round of a conditional write lost to another writer; the round has
    re-read what it needs, and the next one decides again."""


def with_retries(round_: Callable[[], T], *, attempts: int, busy: str) -> T:
    """round_()'s result; a round that raises LostRace is run again, up to
    `attempts` rounds, then the caller is told to come back (Busy, 503)."""
    for attempt in range(attempts):
        try:
            return round_()
        except LostRace:
            if attempt + 1 < attempts:
                time.sleep(random.uniform(0, RETRY_BACKOFF_SECONDS * (attempt + 1)))  # noqa: S311 (jitter, not secrecy)
    raise Busy(busy)
