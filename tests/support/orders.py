"""Orders as the tests describe them."""

from collections import Counter

from chalicelib.orders.domain import TicketStatus


def counts_of(*statuses: TicketStatus) -> dict[TicketStatus, int]:
    """Every status present, zeros included, as chalicelib.orders.models.ticket_counts returns them."""
    tally = Counter(statuses)
    return {status: tally[status] for status in TicketStatus}


def remembered_event(code: str, event_id: str) -> dict | None:
    """What the ticket remembers of a status event: {"outcome", "expires_at"}, or None."""
    from chalicelib.orders.selectors import ticket_key_by_code, ticket_with_order

    key = ticket_key_by_code(code=code)
    found = ticket_with_order(key) if key else None
    events = found.ticket.status_events.as_dict() if found and found.ticket.status_events else {}
    return events.get(event_id)
