"""One botocore session per thread for every client the app makes (chalicelib/aws_clients.py)."""

import threading

from chalicelib.aws_clients import botocore_session
from chalicelib.orders.models import OrdersTableItem
from chalicelib.users.models import UserRecord


def sessions_of_models() -> list[object]:
    return [model._get_connection().connection.session for model in (UserRecord, OrdersTableItem)]


def test_the_models_share_this_threads_session() -> None:
    here = sessions_of_models()
    assert all(session is botocore_session() for session in here)


def test_another_thread_has_a_session_of_its_own() -> None:
    found: list[object] = []
    worker = threading.Thread(target=lambda: found.extend([botocore_session(), *sessions_of_models()]))
    worker.start()
    worker.join()
    theirs, *their_models = found
    assert theirs is not botocore_session()
    assert all(session is theirs for session in their_models)
