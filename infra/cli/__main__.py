"""`python -m infra.cli`: parse the command line, configure the stage, run the command."""

import argparse
import sys

import infra.cli
from infra.cli import createsuperuser, dlq, import_seed, integrator
from infra.cli.stage import configure_stage

COMMAND_GROUPS = {"dlq": dlq, "createsuperuser": createsuperuser, "integrator": integrator, "import-seed": import_seed}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m infra.cli", description=infra.cli.__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--stage", help="stage whose resources to use (default: CATALYST_STAGE, else local)")
    commands = parser.add_subparsers(dest="command", required=True)
    for group in COMMAND_GROUPS.values():
        group.add_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    configure_stage(args.stage)
    return COMMAND_GROUPS[args.command].run(args)


if __name__ == "__main__":
    sys.exit(main())
