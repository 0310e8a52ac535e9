from tests.support.aws_calls import recorded_dynamodb_calls
from tests.unit.conftest import Api


def test_seed_flow(api: Api) -> None:
    token = api.register()
    with recorded_dynamodb_calls() as calls:
        order = api.create_order(token, tickets=2)
    assert calls.counts == {"GetItem": 1, "TransactWriteItems": 1}
    code = order["tickets"][0]["code"]
    response = api.post(f"/api/orders/tickets/{code}/update-status/", {"status": "DONE"})
    assert response.status_code == 200
    detail = api.get(f"/api/orders/{order['order_id']}/", token=token).json_body
    assert detail["status"] == "PROCESSING"
