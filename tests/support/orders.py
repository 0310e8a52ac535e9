"""Orders as the tests describe them."""

from collections import Counter

from chalicelib.orders.domain import TicketStatus


def counts_of(*statuses: TicketStatus) -> dict[TicketStatus, int]:
    """Every status present, zeros included, as chalicelib.orders.models.ticket_counts returns them."""
    tally = Counter(statuses)
    return {status: tally[status] for status in TicketStatus}
