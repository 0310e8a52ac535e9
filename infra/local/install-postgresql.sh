#!/usr/bin/env bash
# Debian's PostgreSQL server for the seed import's tests (tests/support/postgresql.py
# starts one of its own per test session, on a free port). Idempotent.
set -euo pipefail

if compgen -G "/usr/lib/postgresql/*/bin/initdb" > /dev/null; then
    exit 0
fi

if [[ "$(id -u)" -eq 0 ]]; then
    as_root=()
else
    as_root=(sudo)
fi
echo "Installing Debian's PostgreSQL for the seed import's tests..."
"${as_root[@]}" apt-get update -qq
# The package's own cluster is never started by us; the tests run initdb in a temporary folder.
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql
dpkg-query --show postgresql
