#!/bin/bash
# LocalStack's ready hook: the localstack stage's tables and queues, made by
# the same code as `make run` (python -m infra.local.bootstrap).
#
# The bootstrap imports the app, so it runs in a Python environment of its
# own with the app's runtime requirements and Chalice, kept in LocalStack's
# volume and rebuilt only when the requirements change. The first start
# installs them from PyPI; `make bootstrap-localstack` does the same from the
# host instead.
set -euo pipefail

# Where compose mounts the project and keeps LocalStack's state; overridable
# so that the test suite can run this hook against its emulator.
project=${CATALYST_PROJECT_DIR:-/opt/catalyst}
venv=${CATALYST_BOOTSTRAP_VENV:-/var/lib/localstack/catalyst-bootstrap-venv}
endpoint=${CATALYST_BOOTSTRAP_ENDPOINT:-http://localhost:4566}
requirements_digest=$(cat "$project/requirements.txt" "$project/requirements-dev.txt" | sha256sum | cut -d' ' -f1)

if [ "$(cat "$venv/.requirements-digest" 2>/dev/null)" != "$requirements_digest" ]; then
    echo "catalyst: installing the bootstrap's Python packages into $venv"
    python3 -m venv --clear "$venv"
    # Chalice (and localstack-client) at the versions the developers use.
    "$venv/bin/pip" install --quiet --disable-pip-version-check --requirement "$project/requirements.txt" \
        $(grep -E '^(chalice|localstack-client)==' "$project/requirements-dev.txt")
    echo "$requirements_digest" > "$venv/.requirements-digest"
fi

cd "$project"
# The bootstrap signs nothing: a throwaway key satisfies the settings' check.
env CATALYST_STAGE=localstack \
    AWS_ENDPOINT_URL="$endpoint" \
    AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
    AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 \
    SECRET_KEY="$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')" \
    PYTHONDONTWRITEBYTECODE=1 \
    "$venv/bin/python" -m infra.local.bootstrap --stage localstack
