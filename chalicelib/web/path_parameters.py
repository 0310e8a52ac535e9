"""Path parameters: each bounded and checked before anything converts it.

A route declares its parameters once (Operation.path_parameters); the
blueprint parses them before the view runs, so that a view gets a value it
can use, and the OpenAPI document describes the same bounds (`pattern`,
`maxLength`), which lets schemathesis probe them. A value out of bounds is
a resource that does not exist: 404, as in the seed.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chalicelib.errors import NotFound
from chalicelib.integrators.signatures import KEY_ID_MAX_LENGTH, KEY_ID_PATTERN, NO_SUCH_KEY
from chalicelib.orders.domain import MAX_ORDER_ID


@dataclass(frozen=True)
class PathParameter:
    description: str
    pattern: str
    max_length: int
    not_found: str
    convert: Callable[[str], Any] = str

    def parse(self, raw: str) -> Any:
        # The length first: nothing longer reaches the pattern or the conversion.
        if len(raw) > self.max_length or not re.fullmatch(self.pattern, raw):
            raise NotFound(self.not_found)
        return self.convert(raw)

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "pattern": f"^{self.pattern}$", "maxLength": self.max_length}


def _order_id(raw: str) -> int:
    order_id = int(raw)
    if order_id > MAX_ORDER_ID:
        raise NotFound(ORDER_ID.not_found)
    return order_id


_HEX = "[0-9A-Fa-f]"
ORDER_ID = PathParameter(
    description="The order's id.",
    pattern="[0-9]{1,16}",
    max_length=len(str(MAX_ORDER_ID)),
    not_found="No order with this id.",
    convert=_order_id,
)
# Django's <uuid:...> takes the hyphenated form; the hyphens stay optional, as before.
TICKET_CODE = PathParameter(
    description="The ticket's code (a UUID).",
    pattern=f"{_HEX}{{8}}-?{_HEX}{{4}}-?{_HEX}{{4}}-?{_HEX}{{4}}-?{_HEX}{{12}}",
    max_length=36,
    not_found="No ticket with this code.",
)
KEY_ID = PathParameter(
    description="A signing key's id.",
    pattern=KEY_ID_PATTERN,
    max_length=KEY_ID_MAX_LENGTH,
    not_found=NO_SUCH_KEY,
)
USER_ID = PathParameter(
    description="The user's id.",
    pattern="[0-9a-f]{32}",
    max_length=32,
    not_found="No user with this id.",
)
