"""Operator commands: `python -m infra.cli [--stage S] <command> ...`.

    python -m infra.cli dlq list    --queue status-events
    python -m infra.cli dlq redrive --queue status-events [--message-id ID]
    python -m infra.cli dlq purge   --queue status-events --yes
    python -m infra.cli createsuperuser                      (prompts, like Django's)
    python -m infra.cli createsuperuser --email E --no-input (password from CATALYST_SUPERUSER_PASSWORD)
    python -m infra.cli integrator create --name NAME [--json] (prints a key id and its secret, once)
    python -m infra.cli integrator rotate --name NAME [--json] (another key; the old one keeps working)
    python -m infra.cli integrator revoke --key-id ID
    python -m infra.cli integrator list [--json]
    python -m infra.cli import-seed --database-url URL [--dry-run] (the Django seed's database)

One module per command group (dlq.py, createsuperuser.py, integrator.py, import_seed.py); stage.py turns
--stage into the settings every command runs with.
"""
