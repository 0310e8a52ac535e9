"""`make bench`: every benchmark in one run, one table.

    .venv/bin/python -m bench [--cold-start-runs 21] [--events 1000] [--scale-sizes 10,1000,10000] ...

Prints the table to stdout, writes it with the machine and the date to
bench/RESULTS.md, and plots bench/results.png; progress goes to stderr.
Needs no network but the package registry, where `make package` (run for the
cold start) fetches the wheels Chalice has not cached: the emulator, host-mode
LocalStack and the runner start here, on free ports.

The order of the steps matters. Password hashing, the package's build and
its import timings run first, with nothing else running. Then the emulator and the runner (`make
run`'s) come up for the HTTP latency and the status events. The runner is
stopped for the rest: the emulator is emptied before the DynamoDB cost and
again before the scale run, so that each sees only its own items. Last, the
two backends side by side, each fresh: the emulator and LocalStack.
"""

import argparse
import os
import sys
import time
from contextlib import ExitStack

from bench import api_latency, backends, cold_start, password_hashing, report, seed_import
from bench.dynamodb_capacity import CapacityRecorder
from bench.local_stack import running_local_stack, use_emulator_in_process
from infra.local.emulator import free_port, start_emulator


def _sizes(text: str) -> list[int]:
    return sorted(int(size) for size in text.split(","))


def _parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cold-start-runs", type=int, default=21, help="fresh processes per kind of import")
    parser.add_argument(
        "--first-request-runs", type=int, default=7, help="fresh processes per function serving a first invocation"
    )
    parser.add_argument("--hash-runs", type=int, default=11, help="hashes per password hasher")
    parser.add_argument("--latency-requests", type=int, default=50, help="requests per endpoint")
    parser.add_argument("--events", type=int, default=1000, help="status events per path (SQS and HTTP)")
    parser.add_argument(
        "--chunk", type=int, default=50, help="status events queued at a time (moto's SQS slows with depth)"
    )
    parser.add_argument(
        "--scale-sizes", type=_sizes, default=[10, 1000, 10000], help="other users' orders, e.g. 10,1000"
    )
    parser.add_argument("--list-requests", type=int, default=30, help="list requests per table size")
    parser.add_argument(
        "--backend-operations", type=int, default=300, help="DynamoDB calls per operation, emulator and LocalStack"
    )
    parser.add_argument(
        "--import-sizes", type=_sizes, default=[10_000, 100_000], help="tickets per generated seed database"
    )
    parser.add_argument(
        "--backend-requests", type=int, default=30, help="API requests per endpoint, emulator and LocalStack"
    )
    return parser.parse_args(argv)


def _progress(message: str) -> None:
    print(f"== {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> None:
    args = _parse_args(sys.argv[1:] if argv is None else argv)
    # This process and the runner write no metric documents (chalicelib/observability.py): they would bury
    # the table. The cold start's processes, which get Lambda's environment alone, write theirs as Lambda does.
    os.environ["POWERTOOLS_METRICS_DISABLED"] = "true"
    started = time.monotonic()
    results = report.Results(machine=report.machine(), command=" ".join(["python -m bench", *sys.argv[1:]]))
    # Before any client exists, so that every client is recorded.
    recorder = CapacityRecorder()
    recorder.install()

    _progress("password hashing")
    results.hashing = password_hashing.measure(args.hash_runs)
    _progress("cold start: the package for this machine, built, unzipped and imported in fresh processes")
    package_kept = ExitStack()
    package, with_bytecode, without_bytecode = package_kept.enter_context(cold_start.unzipped_package())
    imports = cold_start.measure_imports(with_bytecode, without_bytecode, args.cold_start_runs)

    emulator = start_emulator(port=free_port())
    try:
        with running_local_stack(emulator.endpoint_url) as base_url:
            use_emulator_in_process(emulator)
            # Imported only now: app.py reads its settings from the environment set above.
            from bench import dynamodb_cost, scale, status_events
            from infra.local.bootstrap import bootstrap

            _progress("latency of the seed's endpoints on the local stack")
            results.latency = api_latency.measure(base_url, args.latency_requests)
            _progress("status events through SQS and through HTTP")
            results.status_events = status_events.measure(base_url, args.events, args.chunk)

        emulator.reset()
        bootstrap()
        _progress("cold start: the package's first invocations (API, SQS), in fresh processes")
        with package_kept:
            invocations = cold_start.measure_invocations(with_bytecode, emulator.endpoint_url, args.first_request_runs)
        results.cold_start = cold_start.ColdStart(package=package, imports=imports, invocations=invocations)
        emulator.reset()
        bootstrap()
        _progress("DynamoDB cost per operation")
        results.cost = dynamodb_cost.measure(recorder)

        emulator.reset()
        bootstrap()
        _progress("list latency against table size")
        results.scale = scale.measure(args.scale_sizes, args.list_requests, recorder)
    finally:
        package_kept.close()
        emulator.stop()

    _progress("the emulator and LocalStack side by side")
    results.backends = backends.measure(args.backend_operations, args.backend_requests)
    _progress("the seed import: generated seed databases, each into a fresh emulator")
    results.seed_import = seed_import.measure(args.import_sizes)

    results.runtime_seconds = time.monotonic() - started
    print(report.table(results))
    report.write(results)
    _progress(
        f"wrote {report.RESULTS_PATH.name} and {report.PLOT_PATH.name} in bench/ ({results.runtime_seconds:.0f} s)"
    )


if __name__ == "__main__":
    main()
