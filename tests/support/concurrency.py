"""Requests that really overlap: released together from a barrier, each on its own thread."""

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


def at_once(send: Callable[[int], T], count: int) -> list[T]:
    """send(0) ... send(count - 1), released together, each on its own thread (and connection)."""
    start = threading.Barrier(count, timeout=30)

    def one(n: int) -> T:
        start.wait()
        return send(n)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(one, range(count)))
