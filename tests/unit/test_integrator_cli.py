"""`python -m infra.cli integrator ...`, parsed as the operator types it, against moto."""

import json
import os

import pytest

from chalicelib.config import LOCAL_SECRET_KEY
from chalicelib.integrators.models import SigningKeyRecord, signing_key_key
from infra.cli import integrator
from infra.cli.__main__ import _parser
from infra.cli.stage import configure_stage
from tests.unit.conftest import Reconfigure

pytestmark = pytest.mark.usefixtures("aws")


def cli(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    code = integrator.run(_parser().parse_args(["integrator", *argv]))
    out, err = capsys.readouterr()
    return code, out, err


def test_create_with_json_prints_one_line_for_scripts(capsys: pytest.CaptureFixture) -> None:
    code, out, _ = cli(capsys, "create", "--name", "acme", "--json")

    assert code == 0
    [line] = out.splitlines()
    issued = json.loads(line)
    assert set(issued) == {"name", "key_id", "secret"}
    assert issued["name"] == "acme"
    assert len(issued["secret"]) >= 40
    assert SigningKeyRecord.get(signing_key_key(issued["key_id"])).name == "acme"


def test_create_shows_the_secret_once_and_nothing_shows_it_again(capsys: pytest.CaptureFixture) -> None:
    _, created, _ = cli(capsys, "create", "--name", "acme")
    secret = next(line.split()[-1] for line in created.splitlines() if line.startswith("Secret"))
    key_id = next(line.split()[-1] for line in created.splitlines() if line.startswith("Key id"))

    _, listed, _ = cli(capsys, "list")
    _, listed_json, _ = cli(capsys, "list", "--json")
    _, revoked, _ = cli(capsys, "revoke", "--key-id", key_id)

    assert key_id in listed
    assert [json.loads(line)["key_id"] for line in listed_json.splitlines()] == [key_id]
    assert key_id in revoked
    assert all(secret not in output for output in (listed, listed_json, revoked))
    assert json.loads(cli(capsys, "list", "--json")[1])["revoked_at"] is not None


def test_rotate_prints_like_create_and_keeps_the_old_key(capsys: pytest.CaptureFixture) -> None:
    first = json.loads(cli(capsys, "create", "--name", "acme", "--json")[1])
    code, out, _ = cli(capsys, "rotate", "--name", "acme", "--json")

    second = json.loads(out)
    assert code == 0
    assert set(second) == {"name", "key_id", "secret"}
    assert second["key_id"] != first["key_id"]
    listed = [json.loads(line) for line in cli(capsys, "list", "--json")[1].splitlines()]
    assert sorted(key["key_id"] for key in listed if key["revoked_at"] is None) == sorted(
        [first["key_id"], second["key_id"]]
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("create", "--name", "acme"), "An integrator with this name already exists."),
        (("create", "--name", "Not Plain"), "lower-case letters"),
        (("rotate", "--name", "nobody"), "No integrator with this name."),
        (("revoke", "--key-id", "ik_missing"), "No signing key with this id."),
    ],
)
def test_refusals_exit_1_with_the_reason(capsys: pytest.CaptureFixture, argv: tuple[str, ...], message: str) -> None:
    cli(capsys, "create", "--name", "acme")
    code, out, err = cli(capsys, *argv)
    assert code == 1
    assert message in err
    assert out == ""


@pytest.mark.parametrize(("stage", "secret_id"), [("dev", "catalyst/dev/signing-key"), ("local", "")])
def test_commands_seal_with_the_stages_own_signing_key(
    monkeypatch: pytest.MonkeyPatch, reconfigure: Reconfigure, stage: str, secret_id: str
) -> None:
    """On a deployed stage the stack's secret, as the functions read it (fetched only when used); locally the
    local stages' key: never a key of the command's own, which would seal secrets no function can open."""
    # The command sets endpoint and credentials in os.environ: a copy of it, dropped afterwards.
    environ = {name: value for name, value in os.environ.items() if not name.startswith(("SECRET_KEY", "AWS_ENDPOINT"))}
    monkeypatch.setattr(os, "environ", environ)
    monkeypatch.setattr("infra.cli.stage.load_dotenv", lambda *args, **kwargs: False)  # a developer's .env aside

    chosen = configure_stage(stage)

    assert chosen.secret_key_secret_id == secret_id
    if stage == "local":
        assert chosen.secret_key == LOCAL_SECRET_KEY
