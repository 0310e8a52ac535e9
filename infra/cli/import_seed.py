"""Move the seed's data in: python -m infra.cli import-seed --database-url URL [--dry-run].

Reads the seed's PostgreSQL (postgres://, postgresql://) or SQLite
(sqlite:///relative or sqlite:////absolute) database and writes its users
(with their Django password hashes and DRF tokens), orders and tickets into
the stage's tables (infra/seed/importer.py says how). Safe to run again, and
to stop: a second run writes what is missing and nothing else.

Progress goes to stderr (bars on a terminal, plain lines otherwise); the
summary to stdout. Exit status: 0 when every row is in Catalyst, 1 when any
was refused (or the run stopped short), 2 when the input is wrong and nothing
was written.
"""

import argparse
import sys
import time
from typing import TextIO
from urllib.parse import urlsplit, urlunsplit

from pynamodb.exceptions import PynamoDBException
from tqdm import tqdm

from chalicelib.config import settings
from infra.seed.database import SeedDatabaseError, first_line, open_seed_database
from infra.seed.importer import ImportReport, SeedImport

# Kinds in the order they are read, with the table each counts.
KINDS = {"users": "users_user", "orders": "orders_order", "tickets": "orders_ticket"}
PLAIN_PROGRESS_SECONDS = 5
WARNING_IDS_SHOWN = 20


def add_parser(commands: argparse._SubParsersAction) -> None:
    command = commands.add_parser(
        "import-seed", help="import the Django seed's users, tokens, orders and tickets (safe to re-run)"
    )
    command.add_argument("--database-url", required=True, help="postgres://... or sqlite:///path (read-only)")
    command.add_argument("--dry-run", action="store_true", help="read and check everything, write nothing")


class Progress:
    """Rows read per kind: a tqdm bar each on a terminal, else a plain line
    every few seconds and at each kind's end."""

    def __init__(self, totals: dict[str, int], stream: TextIO) -> None:
        self._totals = totals
        self._stream = stream
        self._bars = {}
        self._done = dict.fromkeys(totals, 0)
        # When each kind's reading began (the previous report of any kind): the rate is that kind's own.
        self._started: dict[str, float] = {}
        self._previous = time.monotonic()
        self._last_line = 0.0
        if stream.isatty():
            self._bars = {
                kind: tqdm(total=total, desc=kind, unit=" rows", file=stream, position=position, leave=True)
                for position, (kind, total) in enumerate(totals.items())
            }

    def __call__(self, kind: str, rows: int) -> None:
        self._done[kind] += rows
        if kind in self._bars:
            self._bars[kind].update(rows)
            return
        now = time.monotonic()
        started = self._started.setdefault(kind, self._previous)
        self._previous = now
        if now - self._last_line >= PLAIN_PROGRESS_SECONDS or self._done[kind] == self._totals[kind]:
            self._last_line = now
            rate = self._done[kind] / max(now - started, 1e-6)
            print(f"{kind}: {self._done[kind]:,}/{self._totals[kind]:,} rows ({rate:,.0f} rows/s)", file=self._stream)

    def close(self) -> None:
        for bar in self._bars.values():
            bar.close()


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def print_summary(report: ImportReport, *, dry_run: bool) -> None:
    print(f"{'':10}{'imported':>10}{'already there':>15}{'refused':>9}" + ("   (dry run: nothing written)" * dry_run))
    for kind in KINDS:
        counts = getattr(report, kind)
        print(f"{kind:10}{counts.imported:>10,}{counts.already_there:>15,}{len(counts.refused):>9,}")
    for kind in KINDS:
        for seed_id, reason in getattr(report, kind).refused:
            print(f"refused: {kind} {seed_id}: {reason}")
    for message, seed_ids in report.warnings.items():
        shown = ", ".join(str(seed_id) for seed_id in seed_ids[:WARNING_IDS_SHOWN])
        more = f", and {len(seed_ids) - WARNING_IDS_SHOWN:,} more" if len(seed_ids) > WARNING_IDS_SHOWN else ""
        print(f"warning: {message}: {len(seed_ids):,} (seed ids {shown}{more})")


def run(args: argparse.Namespace) -> int:
    source = _without_password(args.database_url)
    try:
        with open_seed_database(args.database_url) as database:
            try:
                SeedImport.check_stage()
            except PynamoDBException as error:
                print(f"Error: cannot use stage {settings().stage}'s tables: {first_line(error)}", file=sys.stderr)
                return 2
            totals = {kind: database.count(table) for kind, table in KINDS.items()}
            print(f"Importing {source} into stage {settings().stage}" + " (dry run)" * args.dry_run, file=sys.stderr)
            progress = Progress(totals, sys.stderr)
            importer = SeedImport(database, dry_run=args.dry_run, progress=progress)
            try:
                report = importer.run()
            except database.errors as error:
                return _stopped(importer, f"the seed's database failed while being read: {first_line(error)}")
            except PynamoDBException as error:
                return _stopped(importer, f"a write to stage {settings().stage} failed: {first_line(error)}")
            except KeyboardInterrupt:
                return _stopped(importer, "interrupted")
            finally:
                progress.close()
    except SeedDatabaseError as error:
        print(f"Error: {error}", file=sys.stderr)
        return 2
    print_summary(report, dry_run=args.dry_run)
    return 1 if report.refusals else 0


def _stopped(importer: SeedImport, reason: str) -> int:
    print_summary(importer.report, dry_run=importer.dry_run)
    print(f"Error: {reason}. What was written is complete; run the same command again to finish.", file=sys.stderr)
    return 1
