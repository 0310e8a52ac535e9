"""Twenty order creations with one Idempotency-Key, sent at once over HTTP to
the local stack, on the embedded emulator and on LocalStack (make test runs
both): one order, and every answer is that order or "still running"."""

import requests

from tests.integration.conftest import LocalStack
from tests.support.concurrency import at_once

CONCURRENT = 20
ORDER = {"customer_name": "Ann", "customer_phone": "+1 555 0100", "tickets": [{"product_codes": ["A"]}]}


def test_twenty_concurrent_creations_with_one_key_make_one_order(local_stack: LocalStack) -> None:
    token = local_stack.register()
    headers = {"Authorization": f"Token {token}", "Idempotency-Key": "burst-1"}

    def create(_: int) -> requests.Response:
        return requests.post(local_stack.url("/api/orders/create/"), json=ORDER, headers=headers, timeout=60)

    responses = at_once(create, CONCURRENT)

    statuses = {response.status_code for response in responses}
    assert statuses <= {201, 409}, [response.text for response in responses]
    made = {response.json()["order_id"] for response in responses if response.status_code == 201}
    listing = requests.get(local_stack.url("/api/orders/"), headers=headers, timeout=30).json()["results"]
    assert len(made) == 1
    assert [order["order_id"] for order in listing] == sorted(made)
    for response in responses:
        if response.status_code == 409:
            assert int(response.headers["Retry-After"]) >= 1
    again = create(0)
    assert (again.status_code, again.headers.get("Idempotent-Replayed")) == (201, "true")
    assert again.json()["order_id"] in made
