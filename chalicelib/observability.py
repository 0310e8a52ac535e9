"""What the service tells whoever runs it, all through Powertools:

- one structured (JSON lines) logger;
- business metrics in CloudWatch's embedded metric format (EMF): JSON lines
  in the function's log, which CloudWatch turns into metrics with no API
  call. Locally they are lines of `make run`'s output, as in Lambda's log;
- on Lambda, X-Ray tracing: a subsegment per invocation (and per status
  report taken from a queue), with every DynamoDB and SQS call inside it.

Every invocation runs under `observed` (Chalice middleware, app.py) and so
under a correlation id: an HTTP request's is API Gateway's request id, a
queued status report's its SQS message id. Log lines, metric documents and
the invocation's X-Ray annotation carry it, and the items a change writes
keep it, so the outbound event the change causes quotes it (order_events.py).
"""

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from enum import StrEnum
from typing import Any

from aws_lambda_powertools import Logger
from chalice.app import Request

from chalicelib.config import settings

SERVICE = "catalyst"
NAMESPACE = "Catalyst"
STAGE_DIMENSION = "stage"
CORRELATION_ID = "correlation_id"

# Its level is the settings' LOG_LEVEL, set by chalicelib.runtime.configure.
logger = Logger(service=SERVICE)


class Metric(StrEnum):
    ORDERS_CREATED = "OrdersCreated"
    TICKETS_PER_ORDER = "TicketsPerOrder"
    STATUS_REPORTS = "StatusReports"
    DEAD_LETTERS = "DeadLetters"
    LOGIN_FAILURES = "LoginFailures"
    LOGIN_LOCKOUTS = "LoginLockouts"
    ORDER_EVENTS_PUBLISHED = "OrderEventsPublished"


# What each metric is broken down by: dimension sets published besides
# [stage]. CloudWatch bills every combination of values as a metric of its
# own, so there are few, and none holds personal data.
BREAKDOWNS: dict[Metric, tuple[tuple[str, ...], ...]] = {
    Metric.STATUS_REPORTS: (("outcome",), ("source", "outcome")),
    Metric.DEAD_LETTERS: (("reason",),),
    Metric.ORDER_EVENTS_PUBLISHED: (("type",),),
}


def publish_metrics(values: Mapping[Metric, float], **breakdown: str) -> None:
    """One EMF document, written now: the values under [stage] and under each
    of their breakdowns, which `breakdown` fills exactly.

    Written at once rather than gathered per invocation: a batch's records
    differ in their breakdowns, and the local runner serves requests from
    threads, which must not share a gathering."""
    sets = sorted({dimensions for metric in values for dimensions in BREAKDOWNS.get(metric, ())})
    named = {name for dimensions in sets for name in dimensions}
    if set(breakdown) != named:
        raise ValueError(f"{', '.join(values)}: broken down by {sorted(named)}, given {sorted(breakdown)}")
    # Imported on first use: the API function's reads write no metrics, and the import took
    # 3 ms of `import app` in the package (python -X importtime, issue 17).
    from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

    # No service dimension: Powertools adds one from POWERTOOLS_SERVICE_NAME unless told "".
    document = EphemeralMetrics(namespace=NAMESPACE, service="", default_dimensions={STAGE_DIMENSION: settings().stage})
    for metric, value in values.items():
        document.add_metric(name=metric, unit=MetricUnit.Count, value=value)
    for dimensions in sets:
        document.add_dimensions(**{name: breakdown[name] for name in dimensions})
    correlation_id = current_correlation_id()
    if correlation_id is not None:
        document.add_metadata(key=CORRELATION_ID, value=correlation_id)
    document.flush_metrics()


_correlation_id: ContextVar[str | None] = ContextVar(CORRELATION_ID, default=None)
# Powertools' Tracer, on Lambda only (start_tracing).
_tracer: Any = None


def start_tracing() -> None:
    """X-Ray from now on: every botocore call (DynamoDB, SQS) a subsegment of
    the invocation's. Only where settings().tracing says so: Powertools' Tracer
    imports the X-Ray SDK even when it is disabled, so elsewhere none is made."""
    global _tracer
    if _tracer is None:
        from aws_lambda_powertools import Tracer

        _tracer = Tracer(service=SERVICE, disabled=False, patch_modules=("botocore",))


def current_correlation_id() -> str | None:
    return _correlation_id.get()


@contextmanager
def correlated(correlation_id: str | None, *, name: str) -> Iterator[None]:
    """Run the block under `correlation_id` (None: none of its own) and, when
    tracing, as the subsegment `## name`, annotated with the id."""
    token = _correlation_id.set(correlation_id)
    previous = token.old_value if token.old_value is not token.MISSING else None
    logger.thread_safe_append_keys(correlation_id=correlation_id)
    try:
        if _tracer is None:
            yield
        else:
            with _tracer.provider.in_subsegment(f"## {name}") as subsegment:
                if correlation_id is not None:
                    subsegment.put_annotation(CORRELATION_ID, correlation_id)
                yield
    finally:
        logger.thread_safe_append_keys(correlation_id=previous)
        _correlation_id.reset(token)


def observed(event: Any, get_response: Callable[[Any], Any]) -> Any:
    """Chalice middleware of every invocation. An HTTP request is correlated
    by API Gateway's request id (Lambda's where the event has none: a direct
    invocation); a batch has no id of its own, its records are correlated
    one by one."""
    if isinstance(event, Request):
        context = event.context
        name = f"{event.method} {context.get('resourcePath', event.path)}"
        correlation_id = context.get("requestId") or getattr(event.lambda_context, "aws_request_id", None)
    else:
        name = getattr(event.context, "function_name", None) or type(event).__name__
        correlation_id = None
    with correlated(correlation_id, name=name):
        return get_response(event)
