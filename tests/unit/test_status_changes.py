"""Ticket status changes: the rules (pure), the service over moto, history and cancellation."""

import itertools
import random
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

import boto3
import pytest
from chalice.test import HTTPResponse

from chalicelib import storage
from chalicelib.errors import Busy, InvalidState, NotFound
from chalicelib.expiring_table import ExpiringItem
from chalicelib.orders import services
from chalicelib.orders.domain import (
    ChangeOutcome,
    ChangeSource,
    OrderStatus,
    TicketStatus,
    can_cancel,
    decide_status_change,
    order_status_from_tickets,
)
from chalicelib.orders.models import (
    ORDER_SORT_KEY,
    OrderRecord,
    OrdersTableItem,
    StatusChangeEntry,
    TicketRecord,
    order_partition,
    order_status,
    ticket_counts,
)
from chalicelib.orders.selectors import TicketKey, TicketWithOrder, ticket_key_by_code, ticket_with_order
from tests.support.aws_calls import recorded_dynamodb_calls
from tests.support.orders import counts_of, remembered_event
from tests.unit.conftest import Api

NEW = TicketStatus.NEW
IN_PROGRESS = TicketStatus.IN_PROGRESS
DONE = TicketStatus.DONE
ERROR = TicketStatus.ERROR
API = ChangeSource.API
SQS = ChangeSource.SQS
APPLIED = ChangeOutcome.APPLIED
UNCHANGED = ChangeOutcome.UNCHANGED
STALE = ChangeOutcome.STALE
DUPLICATE = ChangeOutcome.DUPLICATE

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)
MICROSECOND = timedelta(microseconds=1)
UPDATE = "/api/orders/tickets/{code}/update-status/"
THREADS = 8


@pytest.fixture
def other_token(api: Api) -> str:
    return api.register(email="someone.else@example.com")


@dataclass(frozen=True)
class Partition:
    order: OrderRecord
    tickets: dict[str, TicketRecord]
    # The history of each ticket that has one, as stored on the ticket.
    history: dict[str, list[StatusChangeEntry]]


def read_partition(order_id: int) -> Partition:
    order = None
    tickets: dict[str, TicketRecord] = {}
    for item in OrdersTableItem.query(order_partition(order_id), consistent_read=True):
        if isinstance(item, OrderRecord):
            order = item
        else:
            assert isinstance(item, TicketRecord), item
            tickets[item.ticket_code] = item
    assert order is not None
    history = {code: list(ticket.history) for code, ticket in tickets.items() if ticket.history}
    return Partition(order=order, tickets=tickets, history=history)


def assert_counts_match_tickets(order_id: int) -> Partition:
    """The order's counts are exactly the tally of its tickets' statuses, and its status follows."""
    partition = read_partition(order_id)
    tally = counts_of(*(TicketStatus(ticket.status) for ticket in partition.tickets.values()))
    assert ticket_counts(partition.order) == tally
    assert int(partition.order.ticket_total) == len(partition.tickets)
    cancelled = partition.order.cancelled_at is not None
    assert order_status(partition.order) == order_status_from_tickets(tally, cancelled=cancelled)
    return partition


def expiring_table_items() -> list[dict]:
    """Every item of the expiring table, raw (failure records, login windows)."""
    table = ExpiringItem.Meta.table_name
    return boto3.client("dynamodb", region_name="us-east-1").scan(TableName=table, ConsistentRead=True)["Items"]


def history_chain(partition: Partition, code: str) -> list[tuple[str, str]]:
    return [(entry.from_status, entry.to_status) for entry in partition.history.get(code, [])]


def assert_history_is_a_chain_ending_at_the_ticket(partition: Partition) -> None:
    for code, ticket in partition.tickets.items():
        current = NEW.value
        for entry in partition.history.get(code, []):
            assert entry.from_status == current
            assert entry.to_status != entry.from_status
            current = entry.to_status
        assert current == ticket.status


def change(
    code: str,
    status: TicketStatus,
    *,
    source: ChangeSource = API,
    event_id: str | None = None,
    occurred_at: datetime | None = None,
) -> services.StatusChange:
    return services.ticket_change_status(
        code=code, status=status, source=source, event_id=event_id, occurred_at=occurred_at
    )


def new_order(api: Api, token: str, tickets: int) -> tuple[int, list[str]]:
    order = api.create_order(token, tickets=tickets)
    return order["order_id"], [ticket["code"] for ticket in order["tickets"]]


def ticket_detail(api: Api, token: str, order_id: int, code: str) -> dict:
    return next(ticket for ticket in api.order_detail(token, order_id)["tickets"] if ticket["code"] == code)


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value)


def run_together(tasks: list[Callable[[], object]]) -> list[object]:
    """Start every task at the same moment, one thread each; re-raise the first failure."""
    start = threading.Barrier(len(tasks))

    def run(task: Callable[[], object]) -> object:
        start.wait(timeout=10)
        return task()

    with ThreadPoolExecutor(max_workers=len(tasks)) as pool:
        futures = [pool.submit(run, task) for task in tasks]
        return [future.result(timeout=60) for future in futures]


# --- the rules, as plain functions -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "requested", "last_change_at", "occurred_at", "expected"),
    [
        pytest.param(NEW, DONE, None, T0, APPLIED, id="first-report-applies"),
        pytest.param(NEW, NEW, None, T0, UNCHANGED, id="first-report-of-the-same-status"),
        pytest.param(NEW, DONE, None, datetime(1970, 1, 1, tzinfo=UTC), APPLIED, id="no-last-change-nothing-stale"),
        pytest.param(IN_PROGRESS, DONE, T0, T0 + SECOND, APPLIED, id="newer-report-applies"),
        pytest.param(IN_PROGRESS, DONE, T0, T0, APPLIED, id="report-at-the-same-moment-applies"),
        pytest.param(IN_PROGRESS, IN_PROGRESS, T0, T0 + SECOND, UNCHANGED, id="newer-report-of-the-same-status"),
        pytest.param(IN_PROGRESS, IN_PROGRESS, T0, T0, UNCHANGED, id="same-moment-same-status"),
        pytest.param(IN_PROGRESS, DONE, T0, T0 - MICROSECOND, STALE, id="one-microsecond-older-is-stale"),
        pytest.param(IN_PROGRESS, DONE, T0, T0 - timedelta(days=1), STALE, id="older-report-is-stale"),
        pytest.param(IN_PROGRESS, IN_PROGRESS, T0, T0 - SECOND, STALE, id="older-report-of-the-same-status"),
        pytest.param(DONE, NEW, T0, T0 - SECOND, STALE, id="older-report-never-undoes-done"),
    ],
)
def test_decide_status_change(
    current: TicketStatus,
    requested: TicketStatus,
    last_change_at: datetime | None,
    occurred_at: datetime,
    expected: ChangeOutcome,
) -> None:
    outcome = decide_status_change(
        current=current, requested=requested, last_change_at=last_change_at, occurred_at=occurred_at
    )

    assert outcome is expected


def test_decide_status_change_compares_moments_across_offsets() -> None:
    same_moment_elsewhere = T0.astimezone(timezone(timedelta(hours=2)))
    one_second_earlier_elsewhere = (T0 - SECOND).astimezone(timezone(timedelta(hours=-5)))

    assert decide_status_change(current=NEW, requested=DONE, last_change_at=T0, occurred_at=same_moment_elsewhere) is (
        APPLIED
    )
    assert (
        decide_status_change(current=NEW, requested=DONE, last_change_at=T0, occurred_at=one_second_earlier_elsewhere)
        is STALE
    )


@pytest.mark.parametrize(
    ("counts", "cancelled", "expected"),
    [
        pytest.param(counts_of(NEW), False, True, id="one-new"),
        pytest.param(counts_of(*[NEW] * 99), False, True, id="ninety-nine-new"),
        pytest.param({NEW: 3}, False, True, id="counts-without-zero-entries"),
        pytest.param(counts_of(NEW, IN_PROGRESS), False, False, id="one-in-progress"),
        pytest.param(counts_of(NEW, DONE), False, False, id="one-done"),
        pytest.param(counts_of(NEW, ERROR), False, False, id="one-error"),
        pytest.param(counts_of(DONE, DONE), False, False, id="completed"),
        pytest.param(counts_of(NEW, NEW), True, False, id="already-cancelled"),
    ],
)
def test_can_cancel_only_a_pending_order(counts: dict[TicketStatus, int], cancelled: bool, expected: bool) -> None:
    assert can_cancel(counts, cancelled=cancelled) is expected


# --- the service: outcomes -------------------------------------------------------------------------


def test_applied_change_moves_the_ticket_the_counts_and_writes_history(api: Api, token: str) -> None:
    order_id, (code, other) = new_order(api, token, tickets=2)
    before = datetime.now(UTC)

    result = change(code, IN_PROGRESS, source=SQS, event_id="evt-1", occurred_at=T0)

    after = datetime.now(UTC)
    assert result.outcome is APPLIED
    assert (result.ticket.ticket_code, result.ticket.status, int(result.ticket.version)) == (code, "IN_PROGRESS", 2)
    partition = assert_counts_match_tickets(order_id)
    ticket = partition.tickets[code]
    assert (ticket.status, int(ticket.version), ticket.last_change_at) == ("IN_PROGRESS", 2, T0)
    assert before <= ticket.updated_at <= after
    assert partition.tickets[other].status == "NEW"
    assert ticket_counts(partition.order) == counts_of(NEW, IN_PROGRESS)
    assert order_status(partition.order) is OrderStatus.PROCESSING
    [entry] = partition.history[code]
    assert (entry.from_status, entry.to_status, entry.occurred_at) == ("NEW", "IN_PROGRESS", T0)
    assert (entry.source, entry.event_id) == ("sqs", "evt-1")
    assert before <= entry.recorded_at <= after
    assert list(partition.history) == [code]
    record = remembered_event(code, "evt-1")
    assert record["outcome"] == "applied"
    assert int(record["expires_at"]) == int((entry.recorded_at + timedelta(days=15)).timestamp())


def test_unchanged_status_only_records_the_report_time(api: Api, token: str) -> None:
    order_id, (code,) = new_order(api, token, tickets=1)
    change(code, IN_PROGRESS, occurred_at=T0)

    result = change(code, IN_PROGRESS, occurred_at=T0 + SECOND)

    assert result.outcome is UNCHANGED
    partition = assert_counts_match_tickets(order_id)
    ticket = partition.tickets[code]
    assert (ticket.status, int(ticket.version), ticket.last_change_at) == ("IN_PROGRESS", 3, T0 + SECOND)
    assert history_chain(partition, code) == [("NEW", "IN_PROGRESS")]
    assert ticket_counts(partition.order) == counts_of(IN_PROGRESS)


def test_unchanged_report_with_an_event_id_is_remembered_as_unchanged(api: Api, token: str) -> None:
    order_id, (code,) = new_order(api, token, tickets=1)

    first = change(code, NEW, source=SQS, event_id="evt-same")
    again = change(code, NEW, source=SQS, event_id="evt-same")

    assert (first.outcome, again.outcome) == (UNCHANGED, DUPLICATE)
    assert remembered_event(code, "evt-same")["outcome"] == "unchanged"
    partition = assert_counts_match_tickets(order_id)
    assert partition.history == {}
    assert int(partition.tickets[code].version) == 2


def test_stale_report_is_not_applied(api: Api, token: str) -> None:
    order_id, (code,) = new_order(api, token, tickets=1)
    change(code, DONE, occurred_at=T0)

    result = change(code, IN_PROGRESS, occurred_at=T0 - SECOND)

    assert result.outcome is STALE
    assert result.ticket.status == "DONE"
    partition = assert_counts_match_tickets(order_id)
    assert (partition.tickets[code].status, int(partition.tickets[code].version)) == ("DONE", 2)
    assert partition.tickets[code].last_change_at == T0
    assert history_chain(partition, code) == [("NEW", "DONE")]
    assert order_status(partition.order) is OrderStatus.COMPLETED


def test_stale_report_without_an_event_id_writes_nothing(api: Api, token: str) -> None:
    order_id, (code,) = new_order(api, token, tickets=1)
    change(code, DONE, occurred_at=T0)
    before = read_partition(order_id)

    with recorded_dynamodb_calls() as calls:
        result = change(code, ERROR, occurred_at=T0 - SECOND)

    assert result.outcome is STALE
    assert calls.counts == {"Query": 1, "BatchGetItem": 1}
    after = read_partition(order_id)
    assert after.tickets[code].serialize() == before.tickets[code].serialize()
    assert after.order.serialize() == before.order.serialize()
    assert expiring_table_items() == []


def test_stale_report_with_an_event_id_is_remembered_as_stale_and_changes_nothing_else(api: Api, token: str) -> None:
    order_id, (code,) = new_order(api, token, tickets=1)
    change(code, DONE, occurred_at=T0)
    before = read_partition(order_id)

    with recorded_dynamodb_calls() as calls:
        result = change(code, NEW, source=SQS, event_id="late-1", occurred_at=T0 - SECOND)

    assert result.outcome is STALE
    assert calls.counts == {"Query": 1, "BatchGetItem": 1, "TransactWriteItems": 1}
    assert remembered_event(code, "late-1")["outcome"] == "stale"
    after = read_partition(order_id)
    ticket_before, ticket_after = before.tickets[code], after.tickets[code]
    assert (ticket_after.status, ticket_after.last_change_at, ticket_after.updated_at) == (
        ticket_before.status,
        ticket_before.last_change_at,
        ticket_before.updated_at,
    )
    assert int(ticket_after.version) == int(ticket_before.version) + 1  # the event id is written on the version
    assert after.order.serialize() == before.order.serialize()
    assert history_chain(after, code) == [("NEW", "DONE")]
    assert change(code, NEW, source=SQS, event_id="late-1", occurred_at=T0 - SECOND).outcome is DUPLICATE


def test_report_without_a_time_is_taken_at_its_arrival(api: Api, token: str) -> None:
    order_id, (code,) = new_order(api, token, tickets=1)
    before = datetime.now(UTC)

    change(code, IN_PROGRESS)

    after = datetime.now(UTC)
    ticket = read_partition(order_id).tickets[code]
    assert before <= ticket.last_change_at <= after
    assert change(code, DONE, occurred_at=before - SECOND).outcome is STALE
    assert change(code, DONE, occurred_at=after + SECOND).outcome is APPLIED


def test_duplicate_event_id_is_applied_once(api: Api, token: str) -> None:
    order_id, (code, _) = new_order(api, token, tickets=2)

    outcomes = [change(code, DONE, source=SQS, event_id="evt-7").outcome for _ in range(3)]

    assert outcomes == [APPLIED, DUPLICATE, DUPLICATE]
    partition = assert_counts_match_tickets(order_id)
    assert history_chain(partition, code) == [("NEW", "DONE")]
    assert ticket_counts(partition.order) == counts_of(NEW, DONE)
    assert int(partition.tickets[code].version) == 2


def test_duplicate_is_recognised_even_when_it_asks_for_something_else(api: Api, token: str) -> None:
    order_id, (code,) = new_order(api, token, tickets=1)
    change(code, DONE, event_id="evt-1", occurred_at=T0)

    result = change(code, ERROR, event_id="evt-1", occurred_at=T0 + SECOND)

    assert result.outcome is DUPLICATE
    partition = assert_counts_match_tickets(order_id)
    assert partition.tickets[code].status == "DONE"
    assert history_chain(partition, code) == [("NEW", "DONE")]


def test_event_ids_are_scoped_to_their_ticket(api: Api, token: str) -> None:
    order_id, (first, second) = new_order(api, token, tickets=2)

    outcomes = [change(code, DONE, source=SQS, event_id="1").outcome for code in (first, second)]

    assert outcomes == [APPLIED, APPLIED]
    partition = assert_counts_match_tickets(order_id)
    assert order_status(partition.order) is OrderStatus.COMPLETED


def test_api_and_queue_share_one_event_id_space(api: Api, token: str) -> None:
    order_id, (code,) = new_order(api, token, tickets=1)

    from_queue = change(code, DONE, source=SQS, event_id="evt-x")
    from_api = change(code, DONE, source=API, event_id="evt-x")

    assert (from_queue.outcome, from_api.outcome) == (APPLIED, DUPLICATE)
    assert [entry.source for entry in read_partition(order_id).history[code]] == ["sqs"]


def test_unknown_ticket_is_not_found_and_writes_nothing(api: Api, token: str) -> None:
    api.create_order(token)

    with recorded_dynamodb_calls() as calls, pytest.raises(NotFound):
        change("6f1c1f3e-8c1e-4f8e-9d1a-1f2e3d4c5b6a", DONE, event_id="evt-1")

    assert calls.writes == 0
    assert expiring_table_items() == []


# --- the service: a ticket changed between its read and the write -----------------------------------


def read_once_then_as_it_is(outdated: TicketWithOrder) -> Callable[[TicketKey], TicketWithOrder | None]:
    """The first read answers `outdated` (as if another writer committed right after it); later ones read."""
    reads = iter([outdated])
    return lambda key: next(reads, None) or ticket_with_order(key)


@pytest.mark.parametrize(
    ("requested", "event_id"),
    [
        pytest.param(IN_PROGRESS, None, id="other-status"),
        pytest.param(NEW, None, id="status-of-the-outdated-copy"),
        pytest.param(IN_PROGRESS, "evt-late", id="other-status-with-event-id"),
    ],
)
def test_a_change_that_lost_a_race_reads_again_and_moves_counts_once(
    api: Api, token: str, monkeypatch: pytest.MonkeyPatch, requested: TicketStatus, event_id: str | None
) -> None:
    order_id, (code, _) = new_order(api, token, tickets=2)
    outdated = ticket_with_order(ticket_key_by_code(code=code))
    change(code, DONE, occurred_at=T0)
    monkeypatch.setattr(services, "ticket_with_order", read_once_then_as_it_is(outdated))

    with recorded_dynamodb_calls() as calls:
        result = change(code, requested, event_id=event_id, occurred_at=T0 + SECOND)

    assert result.outcome is APPLIED
    assert (result.ticket.status, int(result.ticket.version)) == (requested.value, 3)
    assert calls.counts == {"Query": 1, "TransactWriteItems": 2, "BatchGetItem": 1}
    partition = assert_counts_match_tickets(order_id)
    assert history_chain(partition, code) == [("NEW", "DONE"), ("DONE", requested.value)]
    assert ticket_counts(partition.order) == counts_of(NEW, requested)
    assert (partition.tickets[code].status, int(partition.tickets[code].version)) == (requested.value, 3)
    if event_id is not None:
        assert remembered_event(code, event_id)["outcome"] == "applied"


def test_a_change_that_lost_a_race_to_a_newer_report_ends_stale(
    api: Api, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    order_id, (code,) = new_order(api, token, tickets=1)
    outdated = ticket_with_order(ticket_key_by_code(code=code))
    change(code, DONE, occurred_at=T0)
    monkeypatch.setattr(services, "ticket_with_order", read_once_then_as_it_is(outdated))

    result = change(code, ERROR, occurred_at=T0 - SECOND)

    assert result.outcome is STALE
    partition = assert_counts_match_tickets(order_id)
    assert history_chain(partition, code) == [("NEW", "DONE")]
    assert partition.tickets[code].status == "DONE"


def test_ticket_changing_on_every_attempt_gives_up_busy_and_writes_nothing(
    api: Api, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    order_id, (code,) = new_order(api, token, tickets=1)
    outdated = ticket_with_order(ticket_key_by_code(code=code))
    change(code, DONE)
    monkeypatch.setattr(services, "ticket_with_order", lambda key: outdated)
    monkeypatch.setattr(storage, "RETRY_BACKOFF_SECONDS", 0)

    with recorded_dynamodb_calls() as calls, pytest.raises(Busy):
        change(code, IN_PROGRESS, event_id="evt-busy")

    assert calls.counts == {"Query": 1, "TransactWriteItems": services.TICKET_UPDATE_ATTEMPTS}
    partition = assert_counts_match_tickets(order_id)
    assert history_chain(partition, code) == [("NEW", "DONE")]
    assert remembered_event(code, "evt-busy") is None


def test_duplicate_answer_reports_the_tickets_current_status(api: Api, token: str) -> None:
    _, (code,) = new_order(api, token, tickets=1)
    change(code, DONE, event_id="evt-1")

    result = change(code, DONE, event_id="evt-1")

    assert result.outcome is DUPLICATE
    assert (result.ticket.status, int(result.ticket.version)) == ("DONE", 2)


def test_finding_a_ticket_is_one_query_however_long_its_history(api: Api, token: str) -> None:
    """The history lives on the ticket: however long, finding and changing the ticket stays three calls."""
    _, (code,) = new_order(api, token, tickets=1)
    for status in (IN_PROGRESS, DONE, ERROR, DONE, NEW, DONE):
        change(code, status)

    with recorded_dynamodb_calls() as calls:
        assert change(code, ERROR).outcome is APPLIED

    assert calls.counts == {"Query": 1, "BatchGetItem": 1, "TransactWriteItems": 1}


# --- the service: counts always match the tickets ---------------------------------------------------


@dataclass
class ModelTicket:
    status: TicketStatus = NEW
    last_change_at: datetime | None = None


def expected_outcome(
    ticket: "ModelTicket", status: TicketStatus, occurred_at: datetime, *, duplicate: bool
) -> ChangeOutcome:
    """The rules, as the model of the walk below states them."""
    if duplicate:
        return DUPLICATE
    if ticket.last_change_at is not None and occurred_at < ticket.last_change_at:
        return STALE
    return UNCHANGED if status == ticket.status else APPLIED


def test_counts_and_history_follow_a_long_mixed_sequence_of_reports(api: Api, token: str) -> None:
    """A seeded walk of applied, unchanged, stale and duplicate reports from both sources,
    checked step by step against a model of the rules."""
    order_id, codes = new_order(api, token, tickets=3)
    rng = random.Random(20260301)  # noqa: S311 (a reproducible walk, not a secret)
    model = {code: ModelTicket() for code in codes}
    expected_history: dict[str, list[tuple[str, str, datetime, str, str | None]]] = {code: [] for code in codes}
    seen_events: set[tuple[str, str]] = set()
    clock = T0
    outcomes: Counter[ChangeOutcome] = Counter()

    for step in range(40):
        code = rng.choice(codes)
        status = rng.choice(list(TicketStatus))
        source = rng.choice([API, SQS])
        ticket = model[code]
        kind = rng.choice(["fresh", "fresh", "stale", "duplicate", "no-id"])
        clock += SECOND
        occurred_at = clock
        event_id: str | None = f"evt-{step}"
        if kind == "stale" and ticket.last_change_at is not None:
            occurred_at = ticket.last_change_at - SECOND
        elif kind == "duplicate" and seen_events:
            event_id = rng.choice(sorted(event for ticket_code, event in seen_events if ticket_code == code) or [None])
        elif kind == "no-id":
            event_id = None

        expected = expected_outcome(
            ticket, status, occurred_at, duplicate=event_id is not None and (code, event_id) in seen_events
        )
        if event_id is not None:
            seen_events.add((code, event_id))
        if expected is APPLIED:
            expected_history[code].append((ticket.status.value, status.value, occurred_at, source.value, event_id))
            ticket.status = status
        if expected in (APPLIED, UNCHANGED):
            ticket.last_change_at = occurred_at

        result = change(code, status, source=source, event_id=event_id, occurred_at=occurred_at)

        assert result.outcome is expected, f"step {step}"
        outcomes[result.outcome] += 1
        partition = assert_counts_match_tickets(order_id)
        assert partition.tickets[code].status == ticket.status.value, f"step {step}"

    assert set(outcomes) == set(ChangeOutcome), "the walk should exercise every outcome"
    partition = assert_counts_match_tickets(order_id)
    for code in codes:
        actual = [
            (entry.from_status, entry.to_status, entry.occurred_at, entry.source, entry.event_id)
            for entry in partition.history.get(code, [])
        ]
        assert actual == expected_history[code]
    assert_history_is_a_chain_ending_at_the_ticket(partition)


# --- the service: concurrency ----------------------------------------------------------------------

PATH_TO = {
    NEW: [IN_PROGRESS, NEW],
    IN_PROGRESS: [IN_PROGRESS],
    DONE: [IN_PROGRESS, ERROR, DONE],
    ERROR: [IN_PROGRESS, ERROR],
}


@pytest.mark.parametrize(
    ("finals", "expected"),
    [
        pytest.param([DONE] * THREADS, OrderStatus.COMPLETED, id="all-done"),
        pytest.param([NEW] * THREADS, OrderStatus.PENDING, id="all-back-to-new"),
        pytest.param([DONE, NEW, ERROR, IN_PROGRESS, DONE, DONE, NEW, ERROR], OrderStatus.PROCESSING, id="mixed"),
        pytest.param([DONE] * (THREADS - 1) + [ERROR], OrderStatus.PROCESSING, id="all-done-but-one-error"),
    ],
)
def test_concurrent_updates_of_different_tickets_leave_the_order_right(
    api: Api, token: str, finals: list[TicketStatus], expected: OrderStatus
) -> None:
    order_id, codes = new_order(api, token, tickets=THREADS)

    def walk(index: int) -> list[ChangeOutcome]:
        source = API if index % 2 == 0 else SQS
        return [
            change(
                codes[index],
                status,
                source=source,
                event_id=f"evt-{index}-{step}" if source is SQS else None,
            ).outcome
            for step, status in enumerate(PATH_TO[finals[index]])
        ]

    results = run_together([lambda index=index: walk(index) for index in range(THREADS)])

    assert results == [[APPLIED] * len(PATH_TO[final]) for final in finals]
    partition = assert_counts_match_tickets(order_id)
    assert ticket_counts(partition.order) == counts_of(*finals)
    assert order_status(partition.order) is expected
    assert api.order_detail(token, order_id)["status"] == expected.value
    for index, (code, final) in enumerate(zip(codes, finals, strict=True)):
        path = [NEW, *PATH_TO[final]]
        assert history_chain(partition, code) == [(a.value, b.value) for a, b in itertools.pairwise(path)]
        assert {entry.source for entry in partition.history[code]} == {"api" if index % 2 == 0 else "sqs"}
        assert (partition.tickets[code].status, int(partition.tickets[code].version)) == (final.value, len(path))
    assert_history_is_a_chain_ending_at_the_ticket(partition)


def test_concurrent_writers_on_the_same_tickets_keep_counts_and_history_consistent(api: Api, token: str) -> None:
    """Two writers per ticket force lost version races: each loser re-reads and tries again."""
    order_id, codes = new_order(api, token, tickets=THREADS // 2)
    plans = [
        [IN_PROGRESS, DONE, ERROR],
        [DONE, IN_PROGRESS, NEW],
    ]

    def walk(index: int) -> list[tuple[str, ChangeOutcome]]:
        code = codes[index // 2]
        source = API if index % 2 == 0 else SQS
        return [(code, change(code, status, source=source).outcome) for status in plans[index % 2]]

    results = run_together([lambda index=index: walk(index) for index in range(THREADS)])

    applied = Counter(code for result in results for code, outcome in result if outcome is APPLIED)
    assert all(outcome in (APPLIED, UNCHANGED) for result in results for _, outcome in result)
    partition = assert_counts_match_tickets(order_id)
    assert_history_is_a_chain_ending_at_the_ticket(partition)
    for code in codes:
        assert len(partition.history.get(code, [])) == applied[code]
        assert int(partition.tickets[code].version) == 1 + 6
    detail = api.order_detail(token, order_id)
    tally = counts_of(*(TicketStatus(ticket["status"]) for ticket in detail["tickets"]))
    assert detail["status"] == order_status_from_tickets(tally, cancelled=False).value


def test_same_event_delivered_twice_at_the_same_moment_applies_once(api: Api, token: str) -> None:
    order_id, (code, _) = new_order(api, token, tickets=2)
    statuses = [IN_PROGRESS, DONE, ERROR, NEW, DONE]

    for round_number, status in enumerate(statuses):
        event_id = f"evt-round-{round_number}"
        results = run_together(
            [
                lambda status=status, event_id=event_id: change(code, status, source=API, event_id=event_id),
                lambda status=status, event_id=event_id: change(code, status, source=SQS, event_id=event_id),
            ]
        )

        assert sorted(result.outcome.value for result in results) == ["applied", "duplicate"]
        partition = assert_counts_match_tickets(order_id)
        assert partition.tickets[code].status == status.value
        entries = [entry for entry in partition.history[code] if entry.event_id == event_id]
        assert len(entries) == 1
        winner = next(result for result in results if result.outcome is APPLIED)
        assert entries[0].to_status == winner.ticket.status == status.value
        assert remembered_event(code, event_id)["outcome"] == "applied"

    partition = assert_counts_match_tickets(order_id)
    assert len(partition.history[code]) == len(statuses)
    assert ticket_counts(partition.order) == counts_of(NEW, statuses[-1])


# --- history over HTTP -----------------------------------------------------------------------------


def post_status(api: Api, code: str, **body: object) -> HTTPResponse:
    return api.post(UPDATE.format(code=code), body)


def test_history_lists_each_applied_change_oldest_first_with_its_fields(api: Api, token: str) -> None:
    order_id, (code, untouched) = new_order(api, token, tickets=2)
    first_at = datetime.now(UTC) - timedelta(hours=1)
    before = datetime.now(UTC)

    first = post_status(api, code, status="IN_PROGRESS", event_id="evt-a", occurred_at=first_at.isoformat())
    change(code, IN_PROGRESS, source=SQS, event_id="evt-b", occurred_at=first_at + SECOND)
    change(code, DONE, source=SQS, event_id="evt-c", occurred_at=first_at + 2 * SECOND)
    stale = post_status(api, code, status="ERROR", occurred_at=first_at.isoformat())
    last = post_status(api, code, status="ERROR")

    after = datetime.now(UTC)
    assert first.json_body == {"code": code, "status": "IN_PROGRESS", "outcome": "applied"}
    assert stale.json_body == {"code": code, "status": "DONE", "outcome": "stale"}
    assert last.json_body == {"code": code, "status": "ERROR", "outcome": "applied"}
    ticket = ticket_detail(api, token, order_id, code)
    history = ticket["history"]
    assert [(entry["from_status"], entry["to_status"], entry["source"], entry["event_id"]) for entry in history] == [
        ("NEW", "IN_PROGRESS", "api", "evt-a"),
        ("IN_PROGRESS", "DONE", "sqs", "evt-c"),
        ("DONE", "ERROR", "api", None),
    ]
    assert set(history[0]) == {"from_status", "to_status", "at", "recorded_at", "source", "integrator", "event_id"}
    assert parse_time(history[0]["at"]) == first_at
    assert parse_time(history[1]["at"]) == first_at + 2 * SECOND
    assert before <= parse_time(history[2]["at"]) <= after
    assert parse_time(history[2]["at"]) == parse_time(history[2]["recorded_at"])
    recorded = [parse_time(entry["recorded_at"]) for entry in history]
    assert recorded == sorted(recorded)
    assert all(before <= moment <= after for moment in recorded)
    assert ticket["status"] == "ERROR"
    assert ticket_detail(api, token, order_id, untouched)["history"] == []


def test_update_status_over_http_reports_every_outcome(api: Api, token: str) -> None:
    order_id, (code,) = new_order(api, token, tickets=1)
    hour_ago = datetime.now(UTC) - timedelta(hours=1)

    answers = [
        post_status(api, code, status="DONE", event_id="e1", occurred_at=hour_ago.isoformat()),
        post_status(api, code, status="DONE", event_id="e1", occurred_at=hour_ago.isoformat()),
        post_status(api, code, status="DONE", occurred_at=(hour_ago + SECOND).isoformat()),
        post_status(api, code, status="NEW", occurred_at=(hour_ago - SECOND).isoformat()),
    ]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 200]
    assert [answer.json_body for answer in answers] == [
        {"code": code, "status": "DONE", "outcome": "applied"},
        {"code": code, "status": "DONE", "outcome": "duplicate"},
        {"code": code, "status": "DONE", "outcome": "unchanged"},
        {"code": code, "status": "DONE", "outcome": "stale"},
    ]
    assert len(ticket_detail(api, token, order_id, code)["history"]) == 1


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        pytest.param("2026-01-10T10:00:00", datetime(2026, 1, 10, 10, tzinfo=UTC), id="no-offset-is-utc"),
        pytest.param("2026-01-10T12:00:00+02:00", datetime(2026, 1, 10, 10, tzinfo=UTC), id="offset-to-utc"),
        pytest.param("2026-01-10T10:00:00.123456Z", datetime(2026, 1, 10, 10, 0, 0, 123456, tzinfo=UTC), id="z"),
    ],
)
def test_occurred_at_is_stored_in_utc(api: Api, token: str, sent: str, stored: datetime) -> None:
    order_id, (code,) = new_order(api, token, tickets=1)

    response = post_status(api, code, status="DONE", occurred_at=sent)

    assert response.status_code == 200, response.json_body
    [entry] = ticket_detail(api, token, order_id, code)["history"]
    assert parse_time(entry["at"]) == stored
    assert read_partition(order_id).tickets[code].last_change_at == stored


@pytest.mark.parametrize(
    ("ahead", "expected_status"),
    [
        pytest.param(timedelta(minutes=4), 200, id="four-minutes-ahead-is-clock-skew"),
        pytest.param(timedelta(minutes=6), 400, id="six-minutes-ahead-is-refused"),
        pytest.param(timedelta(days=365), 400, id="a-year-ahead-is-refused"),
    ],
)
def test_occurred_at_in_the_future_is_refused_beyond_five_minutes(
    api: Api, token: str, ahead: timedelta, expected_status: int
) -> None:
    order_id, (code,) = new_order(api, token, tickets=1)

    response = post_status(api, code, status="DONE", occurred_at=(datetime.now(UTC) + ahead).isoformat())

    assert response.status_code == expected_status
    if expected_status == 400:
        assert response.json_body == {"occurred_at": ["This time is in the future."]}
        assert ticket_detail(api, token, order_id, code)["status"] == "NEW"
        assert expiring_table_items() == []
    else:
        assert response.json_body == {"code": code, "status": "DONE", "outcome": "applied"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"status": "DONE", "event_id": ""}, "event_id", id="empty-event-id"),
        pytest.param({"status": "DONE", "event_id": "e" * 129}, "event_id", id="event-id-129-chars"),
        pytest.param({"status": "DONE", "occurred_at": "yesterday"}, "occurred_at", id="occurred-at-not-a-time"),
    ],
)
def test_update_status_refuses_malformed_event_fields(api: Api, token: str, body: dict, field: str) -> None:
    order_id, (code,) = new_order(api, token, tickets=1)

    response = api.post(UPDATE.format(code=code), body)

    assert response.status_code == 400
    assert list(response.json_body) == [field]
    assert ticket_detail(api, token, order_id, code)["status"] == "NEW"


def test_occurred_at_out_of_range_once_in_utc_is_a_400(api: Api, token: str) -> None:
    """0001-01-01T00:00+01:00 is before datetime.min in UTC: a validation error, not an OverflowError."""
    _, (code,) = new_order(api, token, tickets=1)

    response = post_status(api, code, status="DONE", occurred_at="0001-01-01T00:00:00+01:00")

    assert response.status_code == 400
    assert response.json_body == {"occurred_at": ["This time is out of range."]}


# --- cancellation ----------------------------------------------------------------------------------


def cancel(api: Api, token: str, order_id: int | str) -> HTTPResponse:
    return api.post(f"/api/orders/{order_id}/cancel/", token=token)


def test_owner_cancels_a_pending_order(api: Api, token: str) -> None:
    order_id, _ = new_order(api, token, tickets=2)

    response = cancel(api, token, order_id)

    assert response.status_code == 200, response.json_body
    assert response.json_body["status"] == "CANCELLED"
    assert response.json_body["order_id"] == order_id
    assert [ticket["status"] for ticket in response.json_body["tickets"]] == ["NEW", "NEW"]
    assert api.order_detail(token, order_id)["status"] == "CANCELLED"
    assert api.get("/api/orders/", token=token).json_body["results"][0]["status"] == "CANCELLED"


def test_second_cancel_is_a_conflict(api: Api, token: str) -> None:
    order_id, _ = new_order(api, token, tickets=1)
    assert cancel(api, token, order_id).status_code == 200

    response = cancel(api, token, order_id)

    assert response.status_code == 409
    assert response.json_body == {"detail": "Only a PENDING order can be cancelled; this one is CANCELLED."}


def test_cancel_of_someone_elses_order_is_not_found(api: Api, token: str, other_token: str) -> None:
    order_id, _ = new_order(api, token, tickets=1)

    response = cancel(api, other_token, order_id)

    assert response.status_code == 404
    assert list(response.json_body) == ["detail"]
    assert api.order_detail(token, order_id)["status"] == "PENDING"


def test_cancel_of_an_unknown_order_is_not_found(api: Api, token: str) -> None:
    response = cancel(api, token, 123456789)

    assert response.status_code == 404
    assert list(response.json_body) == ["detail"]


def test_cancel_of_a_malformed_id_is_not_found(api: Api, token: str) -> None:
    response = cancel(api, token, "abc")

    assert response.status_code == 404
    assert list(response.json_body) == ["detail"]


def test_cancel_needs_authentication(api: Api, token: str) -> None:
    order_id, _ = new_order(api, token, tickets=1)

    response = api.post(f"/api/orders/{order_id}/cancel/")

    assert response.status_code == 401
    assert api.order_detail(token, order_id)["status"] == "PENDING"


@pytest.mark.parametrize(
    ("statuses", "shown"),
    [
        pytest.param(["IN_PROGRESS", "NEW"], "PROCESSING", id="processing"),
        pytest.param(["ERROR", "NEW"], "PROCESSING", id="one-error"),
        pytest.param(["DONE", "DONE"], "COMPLETED", id="completed"),
    ],
)
def test_cancel_of_a_non_pending_order_is_a_conflict(api: Api, token: str, statuses: list[str], shown: str) -> None:
    order_id, codes = new_order(api, token, tickets=2)
    for code, status in zip(codes, statuses, strict=True):
        if status != "NEW":
            assert post_status(api, code, status=status).status_code == 200

    response = cancel(api, token, order_id)

    assert response.status_code == 409
    assert response.json_body == {"detail": f"Only a PENDING order can be cancelled; this one is {shown}."}
    assert api.order_detail(token, order_id)["status"] == shown


def test_after_cancel_ticket_updates_are_recorded_but_the_order_stays_cancelled(api: Api, token: str) -> None:
    order_id, (code, other) = new_order(api, token, tickets=2)
    assert cancel(api, token, order_id).status_code == 200

    answers = [post_status(api, code, status="IN_PROGRESS"), post_status(api, other, status="DONE")]
    change(code, DONE, source=SQS, event_id="evt-after")

    assert [answer.json_body["outcome"] for answer in answers] == ["applied", "applied"]
    detail = api.order_detail(token, order_id)
    assert detail["status"] == "CANCELLED"
    assert [len(ticket["history"]) for ticket in detail["tickets"]] == [2, 1]
    assert assert_counts_match_tickets(order_id).order.cancelled_at is not None


def test_ticket_updates_on_a_cancelled_order_are_recorded_and_it_stays_cancelled(api: Api, token: str) -> None:
    """The same rule with the order cancelled directly in the table, independent of the cancel endpoint."""
    order_id, (code, other) = new_order(api, token, tickets=2)
    OrderRecord(order_partition(order_id), ORDER_SORT_KEY).update(
        actions=[OrderRecord.cancelled_at.set(datetime.now(UTC))]
    )

    outcomes = [
        change(code, IN_PROGRESS).outcome,
        change(code, DONE, source=SQS, event_id="evt-after").outcome,
        change(other, DONE).outcome,
    ]

    assert outcomes == [APPLIED, APPLIED, APPLIED]
    detail = api.order_detail(token, order_id)
    assert detail["status"] == "CANCELLED"
    assert [ticket["status"] for ticket in detail["tickets"]] == ["DONE", "DONE"]
    assert [[(h["from_status"], h["to_status"]) for h in ticket["history"]] for ticket in detail["tickets"]] == [
        [("NEW", "IN_PROGRESS"), ("IN_PROGRESS", "DONE")],
        [("NEW", "DONE")],
    ]
    partition = assert_counts_match_tickets(order_id)
    assert ticket_counts(partition.order) == counts_of(DONE, DONE)
    assert order_status(partition.order) is OrderStatus.CANCELLED


def test_cancel_racing_a_ticket_update_leaves_a_consistent_order(api: Api, token: str) -> None:
    order_id, (code, _) = new_order(api, token, tickets=2)
    owner = read_partition(order_id).order.owner_id

    def cancel_now() -> str:
        try:
            services.order_cancel(order_id=order_id, owner_id=owner)
        except InvalidState:
            return "refused"
        return "cancelled"

    cancelled, update = run_together([cancel_now, lambda: change(code, IN_PROGRESS)])

    assert update.outcome is APPLIED
    partition = assert_counts_match_tickets(order_id)
    expected = OrderStatus.CANCELLED if cancelled == "cancelled" else OrderStatus.PROCESSING
    assert order_status(partition.order) is expected
    assert history_chain(partition, code) == [("NEW", "IN_PROGRESS")]
