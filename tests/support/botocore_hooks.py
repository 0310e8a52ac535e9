"""Attach test instruments to every botocore client, whichever code makes it
(PynamoDB models, PynamoDB transactions, boto3), from the moment install()
runs: clients are made lazily, so this must come before any app code runs."""

from collections.abc import Callable

import botocore.session

ClientHook = Callable[[str, object], None]


def install(*hooks: ClientHook) -> None:
    original = botocore.session.Session.create_client

    def create_client(self: botocore.session.Session, service_name: str, *args: object, **kwargs: object) -> object:
        client = original(self, service_name, *args, **kwargs)
        for hook in hooks:
            hook(service_name, client)
        return client

    botocore.session.Session.create_client = create_client  # type: ignore[method-assign]
