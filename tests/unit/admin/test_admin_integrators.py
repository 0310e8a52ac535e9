"""The admin's integrators: their signing keys listed (never a secret) and revoked, audited."""

import json

from chalicelib.integrators.services import integrator_create, integrator_rotate
from chalicelib.users.permissions import ALL_PERMISSIONS, CHANGE_INTEGRATOR
from tests.support.faults import Fault, faults
from tests.support.integrators import signed_headers
from tests.unit.admin.conftest import ROOT, Account, audit, denied, make_account, walk
from tests.unit.conftest import Api

KEYS = "/api/admin/integrators"


def revoke(api: Api, token: str, key_id: str):
    return api.post(f"{KEYS}/keys/{key_id}/revoke/", token=token)


def test_the_list_shows_every_key_with_its_dates_and_no_secret(api: Api, root: Account) -> None:
    acme = integrator_create(name="acme")
    rotated = integrator_rotate(name="acme")
    globex = integrator_create(name="globex")

    pages = walk(api, root.token, KEYS, limit=2)

    keys = [key for page in pages for key in page]
    assert len(pages) >= 2
    assert sorted((key["name"], key["key_id"]) for key in keys) == sorted(
        [("acme", acme.key_id), ("acme", rotated.key_id), ("globex", globex.key_id)]
    )
    assert {frozenset(key) for key in keys} == {
        frozenset({"name", "key_id", "created_at", "last_used_at", "revoked_at"})
    }
    listed = json.dumps(pages)
    assert all(secret not in listed for secret in (acme.secret, rotated.secret, globex.secret))


def test_revoking_a_key_refuses_its_signatures_and_is_audited(api: Api, root: Account, token: str) -> None:
    acme = integrator_create(name="acme")
    code = api.create_order(token)["tickets"][0]["code"]
    body = b'{"status": "DONE"}'

    revoked = revoke(api, root.token, acme.key_id)

    assert revoked.status_code == 200, revoked.json_body
    assert revoked.json_body["revoked_at"] is not None
    headers = signed_headers(key_id=acme.key_id, secret=acme.secret, code=code, body=body)
    refused = api.client.http.post(f"/api/orders/tickets/{code}/update-status/", headers=headers, body=body)
    assert refused.status_code == 401
    [entry] = audit(api, root.token)
    assert (entry["action"], entry["target_id"], entry["actor_email"]) == ("integrator.revoke_key", acme.key_id, ROOT)
    assert (entry["before"], entry["after"]) == (
        {"integrator": "acme", "revoked": False},
        {"integrator": "acme", "revoked": True},
    )
    # Revoking again changes nothing and writes no second entry.
    assert revoke(api, root.token, acme.key_id).json_body == revoked.json_body
    assert len(audit(api, root.token)) == 1


def test_keys_need_their_permission(api: Api) -> None:
    acme = integrator_create(name="acme")
    lacking = make_account("staff@example.com", staff=True, permissions=ALL_PERMISSIONS - {CHANGE_INTEGRATOR})
    assert api.get(KEYS, token=lacking.token).json_body == denied(CHANGE_INTEGRATOR)
    assert revoke(api, lacking.token, acme.key_id).json_body == denied(CHANGE_INTEGRATOR)
    keeper = make_account("keeper@example.com", staff=True, permissions={CHANGE_INTEGRATOR})
    me = api.get("/api/admin/me", token=keeper.token).json_body
    assert me["can"]["manage_integrators"] is True
    assert revoke(api, keeper.token, acme.key_id).status_code == 200


def test_an_unknown_key_is_not_found(api: Api, root: Account) -> None:
    assert revoke(api, root.token, "ik_0000000000000000").json_body == {"detail": "No signing key with this id."}
    assert revoke(api, root.token, "not a key!").status_code == 404


def test_a_revocation_that_lost_to_another_is_no_error_and_no_second_entry(api: Api, root: Account) -> None:
    """The transaction's condition (not revoked yet) failed: another revocation came first."""
    acme = integrator_create(name="acme")
    lost = Fault(
        "dynamodb",
        "TransactWriteItems",
        "TransactionCanceledException",
        "Transaction cancelled",
        times=1,
        cancellation_reasons=[{"Code": "ConditionalCheckFailed"}, {"Code": "None"}],
    )
    with faults(lost):
        response = revoke(api, root.token, acme.key_id)
    assert response.status_code == 200, response.json_body
    assert response.json_body["key_id"] == acme.key_id
    assert audit(api, root.token) == []
