"""The seed import (python -m infra.cli import-seed): rows per second and
peak memory, for generated seed databases of several sizes, into the emulator.

Each size is a SQLite database on the seed's schema (tests/support/seed_databases.py),
five tickets per order, one user per hundred orders; the command runs as an
operator runs it, in a process of its own, which reports its own peak resident
memory (VmHWM) when it ends: ru_maxrss would count the parent's pages too, which
the child shares until it execs. Memory must not grow with size: the reads
stream through server-side cursors and the writes go out a chunk at a time.

    .venv/bin/python -m bench.seed_import [--sizes 10000,100000]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from infra.cli.stage import LOCAL_CREDENTIALS
from infra.local.emulator import free_port, start_emulator
from tests.support.seed_databases import GeneratedSeed

TICKETS_PER_ORDER = 5
ORDERS_PER_USER = 100
# Any Django-shaped string: the import moves hashes, it never computes them.
STORED_HASH = "pbkdf2_sha256$1000000$benchsalt$" + "A" * 43 + "="
PROJECT_DIR = Path(__file__).resolve().parents[1]


@dataclass
class ImportPoint:
    tickets: int
    rows: int
    seconds: float
    peak_memory_mib: float

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds


def generated(tickets: int, path: Path) -> tuple[str, int]:
    """A seed database with `tickets` tickets; its URL and its row count (users, orders, tickets)."""
    seed = GeneratedSeed()
    orders = tickets // TICKETS_PER_ORDER
    users = [
        seed.add_user(f"user{n}@example.com", STORED_HASH, token=f"{n:040x}")
        for n in range(max(1, orders // ORDERS_PER_USER))
    ]
    for n in range(orders):
        seed.add_order(users[n % len(users)], [("NEW", [f"SKU-{n}-{k}"]) for k in range(TICKETS_PER_ORDER)])
    return seed.write_sqlite(path), len(seed.users) + len(seed.orders) + len(seed.tickets)


PEAK_PREFIX = "peak resident KiB:"


def _import_and_report_peak(argv: list[str]) -> int:
    """The child: the operator's command, then this process's own peak memory."""
    from infra.cli.__main__ import main as cli

    status = cli(argv)
    peak = next(line for line in Path("/proc/self/status").read_text().splitlines() if line.startswith("VmHWM:"))
    print(PEAK_PREFIX, peak.split()[1], file=sys.stderr)
    return status


def _run_import(url: str, endpoint: str) -> tuple[float, float]:
    """Seconds and peak resident MiB of one import, in a process of its own."""
    command = [sys.executable, "-m", "bench.seed_import", "--child"]
    command += ["--stage", "local", "import-seed", "--database-url", url]
    started = time.perf_counter()
    result = subprocess.run(command, cwd=PROJECT_DIR, env=_environment(endpoint), capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"import-seed exited with {result.returncode}:\n{result.stdout}{result.stderr}")
    peak = next(line for line in result.stderr.splitlines() if line.startswith(PEAK_PREFIX))
    return seconds, int(peak.removeprefix(PEAK_PREFIX)) / 1024


def _environment(endpoint: str) -> dict[str, str]:
    return {**os.environ, **LOCAL_CREDENTIALS, "AWS_ENDPOINT_URL": endpoint, "CATALYST_STAGE": "local"}


def measure(sizes: list[int]) -> list[ImportPoint]:
    points = []
    with tempfile.TemporaryDirectory(prefix="catalyst-seed-bench-") as folder:
        for tickets in sizes:
            url, rows = generated(tickets, Path(folder) / f"seed-{tickets}.sqlite3")
            emulator = start_emulator(port=free_port())
            try:
                bootstrap = [sys.executable, "-m", "infra.local.bootstrap", "--stage", "local"]
                subprocess.run(
                    bootstrap, cwd=PROJECT_DIR, env=_environment(emulator.endpoint_url), check=True, capture_output=True
                )
                seconds, peak = _run_import(url, emulator.endpoint_url)
            finally:
                emulator.stop()
            points.append(ImportPoint(tickets=tickets, rows=rows, seconds=seconds, peak_memory_mib=peak))
    return points


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        sys.exit(_import_and_report_peak(sys.argv[2:]))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000")
    args = parser.parse_args()
    for point in measure([int(size) for size in args.sizes.split(",")]):
        print(
            f"{point.tickets:>8,} tickets: {point.rows:,} rows in {point.seconds:.1f} s, "
            f"{point.rows_per_second:,.0f} rows/s, peak {point.peak_memory_mib:.0f} MiB"
        )


if __name__ == "__main__":
    main()
