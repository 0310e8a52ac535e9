"""Signed status reports: integrators' keys (made, rotated, revoked), the
Catalyst-Signature check on the public update-status route, and the stage
setting that makes it required. Over moto, through the app's HTTP routes."""

import dataclasses
import json
import time
import uuid

import boto3
import pytest

from chalicelib.config import settings
from chalicelib.errors import Conflict, InvalidInput, NotFound
from chalicelib.integrators import signatures
from chalicelib.integrators.models import SigningKeyRecord, signing_key_key
from chalicelib.integrators.services import (
    LAST_USED_PRECISION,
    IssuedKey,
    integrator_create,
    integrator_rotate,
    signing_key_revoke,
)
from tests.support.aws_calls import recorded_dynamodb_calls
from tests.support.integrators import signature_header, signed_headers
from tests.unit.conftest import Api, Reconfigure

UPDATE = "/api/orders/tickets/{code}/update-status/"
SIGNATURE_CHALLENGE = 'Catalyst-Signature realm="api"'


@pytest.fixture
def acme(aws: None) -> IssuedKey:
    return integrator_create(name="acme")


@pytest.fixture
def order(api: Api, token: str) -> dict:
    return api.create_order(token, tickets=1)


def report(api: Api, code: str, body: bytes, headers: dict):
    return api.client.http.post(UPDATE.format(code=code), headers=headers, body=body)


def signed_report(api: Api, key: IssuedKey, code: str, status: str = "IN_PROGRESS", **signing: object):
    body = json.dumps({"status": status}).encode()
    headers = signed_headers(key_id=key.key_id, secret=key.secret, code=code, body=body, **signing)
    return report(api, code, body, headers)


def history(api: Api, token: str, order: dict) -> list[dict]:
    return api.order_detail(token, order["order_id"])["tickets"][0]["history"]


def assert_refused(response, detail: str = "Invalid signature.") -> None:
    assert response.status_code == 401, response.json_body
    assert response.json_body == {"detail": detail}
    assert response.headers["WWW-Authenticate"] == SIGNATURE_CHALLENGE


def test_a_report_signed_with_the_issued_secret_is_applied_as_the_integrators(
    api: Api, token: str, order: dict, acme: IssuedKey
) -> None:
    code = order["tickets"][0]["code"]

    response = signed_report(api, acme, code)

    assert response.status_code == 200, response.json_body
    assert response.json_body == {"code": code, "status": "IN_PROGRESS", "outcome": "applied"}
    [change] = history(api, token, order)
    assert (change["source"], change["integrator"], change["to_status"]) == ("integrator", "acme", "IN_PROGRESS")


def test_the_signature_is_the_readmes_recipe(acme: IssuedKey) -> None:
    code, body, t = str(uuid.uuid4()), b'{"status": "DONE"}', 1_800_000_000
    expected = signature_header(key_id="k", secret=acme.secret, code=code, body=body, timestamp=t)
    assert expected.endswith("v1=" + signatures.sign(acme.secret, timestamp=t, code=code, body=body))


@pytest.mark.parametrize("position", [0, 5, -2])
def test_one_byte_changed_in_the_body_is_refused_and_changes_nothing(
    api: Api, token: str, order: dict, acme: IssuedKey, position: int
) -> None:
    code = order["tickets"][0]["code"]
    body = bytearray(json.dumps({"status": "DONE", "event_id": "e-1"}).encode())
    headers = signed_headers(key_id=acme.key_id, secret=acme.secret, code=code, body=bytes(body))
    body[position] ^= 0x01

    assert_refused(report(api, code, bytes(body), headers))
    assert history(api, token, order) == []


def test_a_signature_for_another_ticket_is_refused(api: Api, token: str, acme: IssuedKey) -> None:
    first, second = (ticket["code"] for ticket in api.create_order(token, tickets=2)["tickets"])
    body = b'{"status": "DONE"}'
    headers = signed_headers(key_id=acme.key_id, secret=acme.secret, code=first, body=body)
    assert_refused(report(api, second, body, headers))


def test_the_code_is_signed_in_its_canonical_form_whatever_the_url_spells(
    api: Api, order: dict, acme: IssuedKey
) -> None:
    code = order["tickets"][0]["code"]
    body = b'{"status": "DONE"}'
    headers = signed_headers(key_id=acme.key_id, secret=acme.secret, code=code, body=body)
    assert report(api, code.replace("-", "").upper(), body, headers).status_code == 200


@pytest.mark.parametrize(("offset", "accepted"), [(-301, False), (301, False), (-290, True), (290, True)])
def test_the_time_must_be_within_300_seconds(
    api: Api, order: dict, acme: IssuedKey, offset: int, accepted: bool
) -> None:
    response = signed_report(api, acme, order["tickets"][0]["code"], timestamp=int(time.time()) + offset)
    if accepted:
        assert response.status_code == 200, response.json_body
    else:
        assert_refused(response, "Signature timestamp is more than 300 seconds off.")


@pytest.mark.parametrize(
    "header",
    [
        "",
        "keyid=ik_1,t=1",
        "v1=" + "0" * 64,
        "keyid=ik_1,t=now,v1=" + "0" * 64,
        "keyid=ik_1,t=1,v1=" + "0" * 63,
        "keyid=ik 1;t=1;v1=" + "0" * 64,
        "keyid=" + "k" * 65 + ",t=1,v1=" + "0" * 64,
        "\u00e9" * 300,
    ],
)
def test_a_malformed_signature_is_refused(api: Api, order: dict, header: str) -> None:
    response = report(api, order["tickets"][0]["code"], b'{"status": "DONE"}', {"Catalyst-Signature": header})
    assert response.status_code == 401, response.json_body
    assert response.json_body["detail"].startswith("Malformed Catalyst-Signature header")


def test_an_unknown_key_or_a_wrong_secret_is_refused(api: Api, order: dict, acme: IssuedKey) -> None:
    code = order["tickets"][0]["code"]
    assert_refused(signed_report(api, dataclasses.replace(acme, key_id="ik_0000000000000000"), code))
    assert_refused(signed_report(api, dataclasses.replace(acme, secret=acme.secret + "x"), code))


def test_a_rotated_integrator_signs_with_both_keys_until_the_old_is_revoked(
    api: Api, token: str, order: dict, acme: IssuedKey
) -> None:
    code = order["tickets"][0]["code"]
    new = integrator_rotate(name="acme")
    assert new.name == "acme"
    assert new.key_id != acme.key_id
    assert new.secret != acme.secret

    assert signed_report(api, acme, code, "IN_PROGRESS").status_code == 200
    assert signed_report(api, new, code, "DONE").status_code == 200
    revoked = signing_key_revoke(key_id=acme.key_id)
    assert revoked.revoked_at is not None

    assert_refused(signed_report(api, acme, code, "ERROR"))
    assert signed_report(api, new, code, "ERROR").status_code == 200
    assert [change["integrator"] for change in history(api, token, order)] == ["acme"] * 3


def test_names_are_unique_and_plain(aws: None) -> None:
    integrator_create(name="acme")
    with pytest.raises(Conflict):
        integrator_create(name="acme")
    for bad in ("", "Acme", "-acme", "acme corp", "a" * 64, "acmé"):
        with pytest.raises(InvalidInput):
            integrator_create(name=bad)
    with pytest.raises(NotFound):
        integrator_rotate(name="nobody")
    with pytest.raises(NotFound):
        signing_key_revoke(key_id="ik_missing")


def test_the_table_holds_no_secret_in_the_clear(acme: IssuedKey) -> None:
    items = boto3.client("dynamodb", region_name="us-east-1").scan(TableName="catalyst-test-integrators")["Items"]
    assert len(items) == 2  # the integrator and its key
    assert acme.secret not in json.dumps(items)


def test_a_key_sealed_under_another_stage_secret_opens_nothing(
    api: Api, order: dict, acme: IssuedKey, reconfigure: Reconfigure
) -> None:
    reconfigure(secret_key_value="another-secret-key-that-is-long-enough-987654321")
    assert_refused(signed_report(api, acme, order["tickets"][0]["code"]))


def test_last_used_is_written_at_most_once_an_hour(api: Api, order: dict, acme: IssuedKey) -> None:
    code = order["tickets"][0]["code"]
    key = lambda: SigningKeyRecord.get(signing_key_key(acme.key_id), consistent_read=True)  # noqa: E731
    assert key().last_used_at is None

    with recorded_dynamodb_calls() as first:
        assert signed_report(api, acme, code, "IN_PROGRESS").status_code == 200
    used_at = key().last_used_at
    assert used_at is not None
    with recorded_dynamodb_calls() as second:
        assert signed_report(api, acme, code, "DONE").status_code == 200

    assert key().last_used_at == used_at
    assert second.counts["UpdateItem"] == first.counts["UpdateItem"] - 1
    # An hour later, the next use is noted again.
    SigningKeyRecord(signing_key_key(acme.key_id)).update(
        actions=[SigningKeyRecord.last_used_at.set(used_at - LAST_USED_PRECISION)]
    )
    assert signed_report(api, acme, code, "ERROR").status_code == 200
    assert key().last_used_at > used_at


def test_unsigned_reports_keep_the_seeds_contract_unless_the_stage_requires_signatures(
    api: Api, token: str, order: dict, acme: IssuedKey, reconfigure: Reconfigure
) -> None:
    code = order["tickets"][0]["code"]
    assert settings().status_reports_require_signature is False
    assert api.post(UPDATE.format(code=code), {"status": "IN_PROGRESS"}).status_code == 200

    reconfigure(status_reports_require_signature=True)
    refused = api.post(UPDATE.format(code=code), {"status": "DONE"})
    assert_refused(refused, "This stage takes signed status reports only: send Catalyst-Signature.")
    assert signed_report(api, acme, code, "DONE").status_code == 200
    assert [(change["source"], change["integrator"]) for change in history(api, token, order)] == [
        ("api", None),
        ("integrator", "acme"),
    ]


def test_a_bad_signature_is_refused_even_where_signatures_are_optional(api: Api, order: dict) -> None:
    assert settings().status_reports_require_signature is False
    response = report(
        api, order["tickets"][0]["code"], b"{}", {"Catalyst-Signature": "keyid=ik_0123456789abcdef,t=1,v1=" + "a" * 64}
    )
    assert_refused(response, "Signature timestamp is more than 300 seconds off.")
