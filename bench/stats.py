"""The two figures every benchmark reports: the median and the 95th percentile."""

import statistics
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def median(values: list[float]) -> float:
    return statistics.median(values)


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else values[0]


def timed_ms(call: Callable[[], T]) -> tuple[float, T]:
    started = time.perf_counter()
    result = call()
    return (time.perf_counter() - started) * 1000, result
