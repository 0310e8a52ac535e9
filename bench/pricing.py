"""What an order's life costs on AWS, from its recorded calls (bench.dynamodb_cost
runs it): priced for each front door (REST or HTTP API) and each index design
(keys and kind only, or every attribute projected, as before issue 13) from
the same calls."""

from dataclasses import dataclass

from bench.dynamodb_capacity import CostLog

LIST_PAGE = 20
LIFE_TICKETS = (1, 10)
LIFE_STATUSES = ("IN_PROGRESS", "DONE")
DETAIL_READS = 2

# us-east-1, on-demand, US$ per million requests (DynamoDB: after the November 2024 price cut;
# API Gateway: the first tier of each kind of API).
WRITE_UNIT, READ_UNIT, SQS_REQUEST, LAMBDA_REQUEST = (
    "DynamoDB write request unit",
    "DynamoDB read request unit",
    "SQS request",
    "Lambda request",
)
PRICE_PER_MILLION = {WRITE_UNIT: 0.625, READ_UNIT: 0.125, SQS_REQUEST: 0.40, LAMBDA_REQUEST: 0.20}
FRONT_DOORS = {"REST": 3.50, "HTTP API": 1.00}
NEW_INDEXES, ALL_ATTRIBUTE_INDEXES = "new indexes (keys and kind)", "today's indexes (every attribute)"
INDEX_DESIGNS = (NEW_INDEXES, ALL_ATTRIBUTE_INDEXES)


@dataclass
class OperationCost:
    name: str
    log: CostLog
    lambda_invocations: float
    api_requests: int
    # SQS requests besides the app's own sends: an integrator's send, and Lambda's receive and delete.
    extra_sqs_requests: float = 0.0

    @property
    def calls(self) -> str:
        return ", ".join(f"{count} {operation}" for operation, count in sorted(self.log.operations.items())) or "none"

    @property
    def sqs_sends(self) -> int:
        """The app's sends, as SQS bills them (a request per 64 KB of payload)."""
        return self.log.sqs_billed_requests["SendMessage"] + self.log.sqs_billed_requests["SendMessageBatch"]

    @property
    def read_units(self) -> float:
        return self.log.total("read_units")

    def write_units(self, indexes: str = NEW_INDEXES) -> float:
        """Base table and index writes together: both are billed."""
        index_units = "index_write_units" if indexes == NEW_INDEXES else "index_write_units_projecting_everything"
        return self.log.total("write_units") + self.log.total(index_units)


@dataclass
class Life:
    """One order's life, as run: each step's recorded cost."""

    tickets: int
    steps: list[OperationCost]

    @property
    def description(self) -> str:
        return (
            f"{self.tickets} ticket{'s' if self.tickets > 1 else ''}, each moved twice by a status event through "
            f"SQS; {DETAIL_READS} detail reads; 1 list page of {LIST_PAGE}"
        )

    def per_order(self, indexes: str) -> dict[str, float]:
        """What the life uses of each priced thing, besides the front door."""
        return {
            WRITE_UNIT: sum(step.write_units(indexes) for step in self.steps),
            READ_UNIT: sum(step.read_units for step in self.steps),
            SQS_REQUEST: sum(step.sqs_sends + step.extra_sqs_requests for step in self.steps),
            LAMBDA_REQUEST: sum(step.lambda_invocations for step in self.steps),
        }

    @property
    def api_requests(self) -> int:
        return sum(step.api_requests for step in self.steps)

    def usage(self, *, front_door: str, indexes: str) -> dict[str, tuple[float, float]]:
        """Each priced thing: (how many per order, US$ per million), the front door's requests included."""
        used = {name: (count, PRICE_PER_MILLION[name]) for name, count in self.per_order(indexes).items()}
        used[f"API Gateway request ({front_door})"] = (self.api_requests, FRONT_DOORS[front_door])
        return used

    def per_million_orders(self, *, front_door: str, indexes: str) -> dict[str, float]:
        used = self.usage(front_door=front_door, indexes=indexes)
        return {name: count * price for name, (count, price) in used.items()}

    def total(self, *, front_door: str, indexes: str) -> float:
        return sum(self.per_million_orders(front_door=front_door, indexes=indexes).values())


@dataclass
class CostResults:
    operations: list[OperationCost]
    lives: list[Life]
    # A ticket's size in bytes, new and after each status change: its history grows with it.
    ticket_sizes: list[int]
