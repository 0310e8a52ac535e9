from collections import Counter

import pytest

from chalicelib.orders.domain import (
    MAX_ORDER_ID,
    ORDER_ID_EPOCH_MS,
    ORDER_ID_RANDOM_BITS,
    OrderStatus,
    TicketStatus,
    new_order_id,
    order_id_bound,
    order_status_from_tickets,
)
from tests.support.orders import counts_of

NEW = TicketStatus.NEW
IN_PROGRESS = TicketStatus.IN_PROGRESS
DONE = TicketStatus.DONE
ERROR = TicketStatus.ERROR

LAST_MS_OF_RANGE = ORDER_ID_EPOCH_MS + 2 ** (53 - ORDER_ID_RANDOM_BITS) - 1
RANDOM_MASK = 2**ORDER_ID_RANDOM_BITS - 1
JAN_2027_MS = 1_798_761_600_000


STATUS_CASES = [
    pytest.param([NEW], OrderStatus.PENDING, id="one-new"),
    pytest.param([NEW, NEW, NEW], OrderStatus.PENDING, id="all-new"),
    pytest.param([DONE], OrderStatus.COMPLETED, id="one-done"),
    pytest.param([DONE, DONE, DONE], OrderStatus.COMPLETED, id="all-done"),
    pytest.param([IN_PROGRESS], OrderStatus.PROCESSING, id="one-in-progress"),
    pytest.param([NEW, IN_PROGRESS], OrderStatus.PROCESSING, id="new-and-in-progress"),
    pytest.param([NEW, DONE], OrderStatus.PROCESSING, id="new-and-done"),
    pytest.param([IN_PROGRESS, DONE], OrderStatus.PROCESSING, id="in-progress-and-done"),
    pytest.param([NEW, IN_PROGRESS, DONE], OrderStatus.PROCESSING, id="one-of-each"),
    pytest.param([ERROR], OrderStatus.PROCESSING, id="one-error"),
    pytest.param([ERROR, ERROR], OrderStatus.PROCESSING, id="all-error"),
    pytest.param([NEW, ERROR], OrderStatus.PROCESSING, id="new-and-error"),
    pytest.param([DONE, ERROR], OrderStatus.PROCESSING, id="done-and-error"),
    pytest.param([DONE] * 98 + [ERROR], OrderStatus.PROCESSING, id="all-done-but-one-error"),
    pytest.param([NEW] * 98 + [IN_PROGRESS], OrderStatus.PROCESSING, id="all-new-but-one-in-progress"),
]


@pytest.mark.parametrize(("statuses", "expected"), STATUS_CASES)
def test_order_status_follows_ticket_statuses(statuses: list[TicketStatus], expected: OrderStatus) -> None:
    assert order_status_from_tickets(counts_of(*statuses), cancelled=False) == expected


@pytest.mark.parametrize(("statuses", "expected"), STATUS_CASES)
def test_order_status_accepts_counts_without_zero_entries(statuses: list[TicketStatus], expected: OrderStatus) -> None:
    assert order_status_from_tickets(Counter(statuses), cancelled=False) == expected


@pytest.mark.parametrize("statuses", [pytest.param(case.values[0], id=case.id) for case in STATUS_CASES])
def test_cancelled_overrides_every_ticket_mix(statuses: list[TicketStatus]) -> None:
    assert order_status_from_tickets(counts_of(*statuses), cancelled=True) == OrderStatus.CANCELLED


def test_order_id_range_ends_at_the_largest_json_safe_integer() -> None:
    assert MAX_ORDER_ID == 2**53 - 1
    assert new_order_id(now_ms=LAST_MS_OF_RANGE, random_bits=RANDOM_MASK) == MAX_ORDER_ID


def test_order_id_starts_at_zero_at_the_epoch() -> None:
    assert new_order_id(now_ms=ORDER_ID_EPOCH_MS, random_bits=0) == 0


@pytest.mark.parametrize(
    "now_ms",
    [
        pytest.param(ORDER_ID_EPOCH_MS - 1, id="just-before-epoch"),
        pytest.param(0, id="unix-epoch"),
        pytest.param(-1, id="negative-clock"),
        pytest.param(LAST_MS_OF_RANGE + 1, id="just-after-range"),
    ],
)
def test_order_id_refuses_a_clock_outside_its_range(now_ms: int) -> None:
    with pytest.raises(ValueError, match="clock outside"):
        new_order_id(now_ms=now_ms, random_bits=0)


@pytest.mark.parametrize(
    "earlier_ms",
    [ORDER_ID_EPOCH_MS, ORDER_ID_EPOCH_MS + 1, JAN_2027_MS, LAST_MS_OF_RANGE - 1],
)
def test_order_id_one_millisecond_later_is_larger_whatever_the_random_bits(earlier_ms: int) -> None:
    largest_earlier = new_order_id(now_ms=earlier_ms, random_bits=RANDOM_MASK)
    smallest_later = new_order_id(now_ms=earlier_ms + 1, random_bits=0)
    assert largest_earlier < smallest_later


@pytest.mark.parametrize("random_bits", [0, 1, 0b1010_1010_1010, RANDOM_MASK])
def test_order_id_keeps_random_bits_in_its_low_twelve_bits(random_bits: int) -> None:
    order_id = new_order_id(now_ms=JAN_2027_MS, random_bits=random_bits)
    assert order_id & RANDOM_MASK == random_bits
    assert order_id >> ORDER_ID_RANDOM_BITS == JAN_2027_MS - ORDER_ID_EPOCH_MS


@pytest.mark.parametrize("oversized_random_bits", [2**ORDER_ID_RANDOM_BITS, 2**40 + 7, 2**64 - 1])
def test_order_id_random_bits_never_spill_into_the_time_bits(oversized_random_bits: int) -> None:
    order_id = new_order_id(now_ms=LAST_MS_OF_RANGE, random_bits=oversized_random_bits)
    assert order_id >> ORDER_ID_RANDOM_BITS == LAST_MS_OF_RANGE - ORDER_ID_EPOCH_MS
    assert order_id <= MAX_ORDER_ID


@pytest.mark.parametrize("random_bits", [0, 1, 2**ORDER_ID_RANDOM_BITS - 1])
def test_an_order_id_lies_within_the_bounds_of_its_millisecond(random_bits: int) -> None:
    at_ms = ORDER_ID_EPOCH_MS + 123_456_789
    order_id = new_order_id(now_ms=at_ms, random_bits=random_bits)
    assert order_id_bound(at_ms=at_ms, last=False) <= order_id <= order_id_bound(at_ms=at_ms, last=True)
    assert order_id_bound(at_ms=at_ms - 1, last=True) < order_id < order_id_bound(at_ms=at_ms + 1, last=False)
