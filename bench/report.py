"""The one table of `make bench`, bench/RESULTS.md and the plot bench/results.png."""

import os
import platform
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bench.pricing import FRONT_DOORS, INDEX_DESIGNS, NEW_INDEXES, WRITE_UNIT
from bench.stats import median, p95

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_PATH = BENCH_DIR / "RESULTS.md"
PLOT_PATH = BENCH_DIR / "results.png"
# Goals of issue 15, measured on the package: its bytecode, and a cold start against a warm one.
BYTECODE_GOAL = 0.40
COLD_START_GOAL = 1.25
INVOCATIONS_GOAL_PER_1000 = 100


@dataclass
class Machine:
    cpu: str
    cores: int
    python: str
    system: str
    load_average: float
    date: datetime


def machine() -> Machine:
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = [
            line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines() if line.startswith("model name")
        ]
        cpu = names[0] if names else cpu
    return Machine(
        cpu=cpu,
        cores=os.cpu_count() or 1,
        python=platform.python_version(),
        system=platform.platform(terse=True),
        load_average=os.getloadavg()[0],
        date=datetime.now(UTC),
    )


@dataclass
class Results:
    machine: Machine
    command: str
    runtime_seconds: float = 0.0
    hashing: Any = None
    cold_start: Any = None
    cost: Any = None
    latency: dict[str, list[float]] = field(default_factory=dict)
    scale: list[Any] = field(default_factory=list)
    status_events: Any = None
    backends: dict[str, Any] = field(default_factory=dict)
    seed_import: list[Any] = field(default_factory=list)


def _ms(value: float) -> str:
    return f"{value:,.1f} ms" if value < 100 else f"{value:,.0f} ms"


def _units(value: float) -> str:
    return f"{value:g}"


def _dollars(value: float) -> str:
    return f"${value:,.2f}"


def _met(ok: bool) -> str:
    return "met" if ok else "**missed**"


def _cold_start_rows(results: Results) -> list[tuple[str, str, str, str]]:
    cold = results.cold_start
    imports, package = cold.imports, cold.package
    section = "1 cold start of the package"
    runs = f"median of {imports.runs} fresh processes of each kind, interleaved"
    rows = [
        (
            section,
            "package",
            f"{package.zipped_bytes / 1e6:.1f} MB zipped",
            f"`{package.path}` ({package.architecture}, this machine's; `make package` builds the same for arm64): "
            f"{package.unzipped_bytes / 1e6:.1f} MB unzipped, {package.files:,} files, {package.pyc_files:,} of them "
            "bytecode compiled by Python 3.12",
        ),
        (section, "empty interpreter", _ms(imports.interpreter_ms), runs),
        (
            section,
            "third-party modules alone",
            _ms(imports.third_party_ms),
            f"the {imports.third_party_modules} modules of the package that `import app` loads, without the app, "
            "with the garbage collector paused as app.py pauses it",
        ),
        (
            section,
            "`import app`",
            _ms(imports.app_ms),
            "in the unzipped package, PYTHONDONTWRITEBYTECODE=1, dev settings, tracing on as on Lambda",
        ),
        (
            section,
            "`import app` with tracing off",
            _ms(imports.app_untraced_ms),
            f"POWERTOOLS_TRACE_DISABLED=true: the X-Ray SDK is not imported; tracing adds "
            f"{imports.app_ms - imports.app_untraced_ms:,.1f} ms to the import",
        ),
        (
            section,
            "`import app` without bytecode",
            _ms(imports.app_without_bytecode_ms),
            "the same package with its .pyc removed: what Lambda ran before `make package`",
        ),
        (
            section,
            "ratio with / without bytecode",
            f"{imports.bytecode_ratio:.3f}",
            f"goal ≤ {BYTECODE_GOAL:.2f}: {_met(imports.bytecode_ratio <= BYTECODE_GOAL)}",
        ),
    ]
    for invocation in cold.invocations:
        ratio = cold.ratio(invocation)
        rows += [
            (
                section,
                f"third-party modules of a first invocation alone, {invocation.function}",
                _ms(invocation.third_party_ms),
                f"the {invocation.third_party_modules} third-party modules the function has loaded once its first "
                "invocation is done (those of `import app`, and those its first call loads), imported alone",
            ),
            (
                section,
                f"first invocation, {invocation.function}",
                _ms(invocation.first_ms),
                f"{invocation.request}, through the function's entry point right after `import app`, against the "
                f"emulator; the second: {_ms(invocation.second_ms)}; median of {invocation.runs} processes",
            ),
            (
                section,
                f"cold start with tracing on / off, {invocation.function}",
                f"{invocation.traced_cold_ms / invocation.untraced_cold_ms:.3f}",
                f"`import app` + first invocation, each process's own: {_ms(invocation.traced_cold_ms)} traced "
                f"(every call a subsegment, as a sampled request on Lambda), {_ms(invocation.untraced_cold_ms)} with "
                "POWERTOOLS_TRACE_DISABLED=true; medians of processes interleaved with each other",
            ),
            (
                section,
                f"ratio cold / warm, {invocation.function}",
                f"{ratio:.3f}",
                f"(`import app` + first) / (its third-party modules + second); goal ≤ {COLD_START_GOAL:.2f}: "
                f"{_met(ratio <= COLD_START_GOAL)}",
            ),
        ]
    return rows


def _operation_rows(results: Results) -> list[tuple[str, str, str, str]]:
    section = "2 DynamoDB per operation"
    rows = []
    for operation in results.cost.operations:
        log = operation.log
        index = log.total("index_write_units")
        rows.append(
            (
                section,
                operation.name,
                f"computed {_units(operation.read_units)} RRU, {_units(operation.write_units())} WRU",
                f"calls: {operation.calls}; items read {int(log.total('items_read'))}, written "
                f"{int(log.total('items_written'))}; WRU = {_units(log.total('write_units'))} table + "
                f"{_units(index)} index; moto's ConsumedCapacity {_units(log.total('reported_units'))} "
                f"(fixed per call); SQS sends {operation.sqs_sends}",
            )
        )
    return rows


def _cost_rows(results: Results) -> list[tuple[str, str, str, str]]:
    rows = []
    for life in results.cost.lives:
        section = f"2 cost per million orders, {life.tickets} ticket{'s' if life.tickets > 1 else ''}"
        for name, (count, price) in life.usage(front_door="REST", indexes=NEW_INDEXES).items():
            rows.append((section, name, _dollars(count * price), f"{count:.2f} per order x ${price} per million"))
        for front_door in FRONT_DOORS:
            for indexes in INDEX_DESIGNS:
                rows.append(
                    (
                        section,
                        f"total: {front_door}, {indexes}",
                        _dollars(life.total(front_door=front_door, indexes=indexes)),
                        f"WRU {life.per_order(indexes)[WRITE_UNIT]:g} per order; {life.api_requests} API requests "
                        f"at ${FRONT_DOORS[front_door]} per million",
                    )
                )
        rows.append(
            (
                section,
                "assumptions",
                f"{len(life.steps)} steps run",
                f"one order's life, run step by step: {life.description}. Index designs priced on the same calls "
                "(reads as measured with the new indexes, each index query followed by a BatchGetItem, so the "
                "every-attribute rows overstate their reads). SQS also counts an integrator's send per event and "
                "Lambda's receive and delete per batch of 10; Lambda counts one invocation per API call, one per "
                "batch of events, and the stream handler's invocations as measured here (one per write at low "
                "traffic, fewer under load). us-east-1 on-demand prices (DynamoDB after the November 2024 cut); "
                "not included: Lambda duration, storage, data transfer, free tiers",
            )
        )
    sizes = results.cost.ticket_sizes
    rows.append(
        (
            "2 cost per million orders",
            "a ticket's size by status changes taken",
            ", ".join(f"{size:,}" for size in sizes) + " bytes",
            f"new, then after each of {len(sizes) - 1} status events through SQS (IN_PROGRESS, DONE, ERROR in turn); "
            "its history and event ids grow it: each write of it costs a write unit per KB",
        )
    )
    return rows


def _latency_rows(results: Results) -> list[tuple[str, str, str, str]]:
    return [
        (
            "3 latency, local stack",
            endpoint,
            f"median {_ms(median(samples))}, p95 {_ms(p95(samples))}",
            f"{len(samples)} sequential HTTP requests, endpoints interleaved",
        )
        for endpoint, samples in results.latency.items()
    ]


def _hashing_rows(results: Results) -> list[tuple[str, str, str, str]]:
    hashing = results.hashing
    section = "4 password hashing"
    runs = f"median of {hashing.runs}, interleaved"
    return [
        (section, f"argon2id ({hashing.argon2_parameters}): hash", _ms(hashing.argon2_hash_ms), runs),
        (
            section,
            f"argon2id ({hashing.argon2_parameters}): verify",
            _ms(hashing.argon2_verify_ms),
            "what a login pays",
        ),
        (
            section,
            "Django 5.2 default: PBKDF2-SHA256, 1,000,000 iterations",
            _ms(hashing.pbkdf2_ms),
            "hashlib.pbkdf2_hmac",
        ),
        (
            section,
            "ratio argon2id verify / PBKDF2",
            f"{hashing.ratio:.3f}",
            f"argon2id takes {1 / hashing.ratio:.1f}x less CPU time per login, and 19 MiB of memory",
        ),
        (
            section,
            "an imported account's first login: Django hash verified, argon2id written",
            _ms(hashing.imported_first_login_ms),
            f"every later login: the argon2id verify above ({_ms(hashing.argon2_verify_ms)})",
        ),
    ]


def _scale_rows(results: Results) -> list[tuple[str, str, str, str]]:
    rows = []
    for point in results.scale:
        rows.append(
            (
                "5 scale",
                f"list, {point.other_orders:,} other users' orders in the table",
                f"median {_ms(median(point.list_ms))}, p95 {_ms(p95(point.list_ms))}",
                f"items read {point.items_read} ({_units(point.read_units)} RRU); its Query sent alone to the "
                f"emulator: {_ms(median(point.query_ms))}; list minus its Query (median of pairs): "
                f"{_ms(point.app_share_ms)}; {len(point.list_ms)} requests in-process",
            )
        )
    return rows


def _status_event_rows(results: Results) -> list[tuple[str, str, str, str]]:
    events = results.status_events
    section = "6 status events"
    per_1000 = events.sqs_invocations * 1000 / events.events
    ratio = events.handler_rate / events.http_rate
    return [
        (
            section,
            "HTTP update-status",
            f"{events.http_rate:,.1f} events/s",
            f"{events.events:,} changes in {events.http_seconds:.1f} s, {events.events:,} invocations (one per "
            f"request); applied {events.applied_by_http:,}",
        ),
        (
            section,
            "SQS consumer: transport + handler",
            f"{events.consumer_rate:,.1f} events/s",
            f"{events.events:,} events, {events.sqs_invocations:,} invocations (batch {events.batch_size}); transport "
            f"(receive + delete) {events.transport_seconds:.1f} s, handler {events.handler_seconds:.1f} s; sending "
            f"{events.send_seconds:.1f} s, not counted; queued {events.chunk} at a time; "
            f"applied {events.applied_by_sqs:,}",
        ),
        (section, "SQS handler alone", f"{events.handler_rate:,.1f} events/s", "time inside the invocations only"),
        (
            section,
            "ratio handler / HTTP",
            f"{ratio:.2f}",
            f"target ≥ 1: {_met(ratio >= 1)}; {per_1000:g} invocations per 1,000 events "
            f"(target ≤ {INVOCATIONS_GOAL_PER_1000}): {_met(per_1000 <= INVOCATIONS_GOAL_PER_1000)}",
        ),
    ]


def _backend_rows(results: Results) -> list[tuple[str, str, str, str]]:
    emulator, localstack = (results.backends[name] for name in ("emulator", "LocalStack"))
    section = "7 emulator against LocalStack"
    rows = []
    for operation, rate in emulator.operations_per_second.items():
        other = localstack.operations_per_second[operation]
        rows.append(
            (
                section,
                f"DynamoDB {operation}",
                f"emulator {rate:,.0f}/s, LocalStack {other:,.0f}/s",
                f"sequential calls through one client, 1 / median; ratio emulator / LocalStack {rate / other:.2f}",
            )
        )
    for endpoint, samples in emulator.latency.items():
        other = localstack.latency[endpoint]
        rows.append(
            (
                section,
                f"API {endpoint}",
                f"emulator median {_ms(median(samples))}, LocalStack median {_ms(median(other))}",
                f"{len(samples)} sequential HTTP requests through the runner on each; ratio LocalStack / emulator "
                f"{median(other) / median(samples):.2f}",
            )
        )
    return rows


def _seed_import_rows(results: Results) -> list[tuple[str, str, str, str]]:
    points = results.seed_import
    rows = [
        (
            "8 seed import",
            f"import-seed, {point.tickets:,} tickets (SQLite)",
            f"{point.rows_per_second:,.0f} rows/s, peak {point.peak_memory_mib:.0f} MiB",
            f"{point.rows:,} rows (users, orders, tickets) in {point.seconds:.1f} s into the emulator, one process",
        )
        for point in points
    ]
    if len(points) > 1:
        growth = points[-1].peak_memory_mib / points[0].peak_memory_mib
        rows.append(
            (
                "8 seed import",
                f"peak memory, {points[-1].tickets:,} / {points[0].tickets:,} tickets",
                f"{growth:.2f}",
                "flat: server-side cursors and writes a chunk at a time",
            )
        )
    return rows


def table(results: Results) -> str:
    rows = [
        *_cold_start_rows(results),
        *_operation_rows(results),
        *_cost_rows(results),
        *_latency_rows(results),
        *_hashing_rows(results),
        *_scale_rows(results),
        *_status_event_rows(results),
        *_backend_rows(results),
        *_seed_import_rows(results),
    ]
    lines = ["| section | measurement | result | details |", "|---|---|---|---|"]
    lines += [f"| {' | '.join(row)} |" for row in rows]
    return "\n".join(lines)


def write(results: Results) -> None:
    info = results.machine
    RESULTS_PATH.write_text(
        "# Benchmark results\n\n"
        f"`make bench` (`{results.command}`) on {info.date:%Y-%m-%d %H:%M} UTC, in "
        f"{results.runtime_seconds / 60:.1f} minutes.\n\n"
        f"Machine: {info.cpu}, {info.cores} cores, Python {info.python}, {info.system}; "
        f"load average {info.load_average:.2f} at the start.\n\n"
        f"{table(results)}\n\n"
        f"![List latency against table size; status events per second through SQS and HTTP]({PLOT_PATH.name})\n"
    )
    plot(results)


def plot(results: Results) -> None:
    figure = Figure(figsize=(12, 4.5))
    FigureCanvasAgg(figure)  # renders without a display
    scale_axes, events_axes = figure.subplots(1, 2)
    sizes = [point.other_orders for point in results.scale]
    list_medians = [median(point.list_ms) for point in results.scale]
    list_p95s = [p95(point.list_ms) for point in results.scale]
    scale_axes.plot(sizes, list_medians, marker="o", label="GET /api/orders/, median")
    scale_axes.plot(sizes, list_p95s, marker="^", linestyle=":", label="GET /api/orders/, p95")
    scale_axes.plot(
        sizes,
        [median(p.query_ms) for p in results.scale],
        marker="s",
        label="its Query alone, to moto (walks the table)",
    )
    scale_axes.plot(
        sizes, [p.app_share_ms for p in results.scale], marker="d", label="list minus its Query: the app's own"
    )
    scale_axes.set_xscale("log")
    scale_axes.set_xlabel("other users' orders in the table")
    scale_axes.set_ylabel("ms")
    scale_axes.set_ylim(bottom=0)
    scale_axes.set_title("(a) list latency against table size")
    scale_axes.legend(fontsize="small")
    for size, point in zip(sizes, results.scale, strict=True):
        scale_axes.annotate(
            f"{point.items_read} items read",
            (size, median(point.list_ms)),
            fontsize="x-small",
            textcoords="offset points",
            xytext=(0, 8),
            ha="center",
        )

    events = results.status_events
    labels = ["HTTP\nupdate-status", "SQS consumer\ntransport + handler", "SQS handler\nalone"]
    rates = [events.http_rate, events.consumer_rate, events.handler_rate]
    invocations = [f"{events.events:,} invocations", f"{events.sqs_invocations:,} invocations", ""]
    bars = events_axes.bar(labels, rates, color=["tab:gray", "tab:blue", "tab:cyan"])
    for bar, rate, count in zip(bars, rates, invocations, strict=True):
        events_axes.annotate(
            f"{rate:.1f}/s\n{count}",
            (bar.get_x() + bar.get_width() / 2, rate),
            ha="center",
            va="bottom",
            fontsize="small",
        )
    events_axes.set_ylabel("status events per second")
    events_axes.set_ylim(top=max(rates) * 1.25)
    events_axes.set_title(f"(b) {events.events:,} status events: SQS against HTTP")
    figure.suptitle(
        f"make bench, {results.machine.date:%Y-%m-%d}, {results.machine.cpu}, {results.machine.cores} cores"
    )
    figure.tight_layout()
    figure.savefig(PLOT_PATH, dpi=110)
