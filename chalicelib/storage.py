"""What every PynamoDB model and transaction shares: region, billing mode and
one connection for transactions.

The endpoint is not set here: botocore reads AWS_ENDPOINT_URL, which points
the same code at the embedded emulator, LocalStack or (unset) AWS.
"""

from functools import cache

from pynamodb.connection import Connection
from pynamodb.constants import PAY_PER_REQUEST_BILLING_MODE
from pynamodb.exceptions import PynamoDBConnectionError, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.config import settings

CONDITION_FAILED = "ConditionalCheckFailed"
TRANSACTION_CONFLICT = "TransactionConflict"


class TableMeta:
    region = settings.aws_region
    billing_mode = PAY_PER_REQUEST_BILLING_MODE


@cache
def _transaction_connection() -> Connection:
    return Connection(region=settings.aws_region)


def transact_write() -> TransactWrite:
    return TransactWrite(connection=_transaction_connection())


def cancellation_codes(error: TransactWriteError) -> set[str]:
    """Why a transaction was cancelled, e.g. {"ConditionalCheckFailed"}."""
    return {reason.code for reason in error.cancellation_reasons if reason is not None}


def is_condition_failure(error: PynamoDBConnectionError) -> bool:
    return error.cause_response_code == "ConditionalCheckFailedException"
