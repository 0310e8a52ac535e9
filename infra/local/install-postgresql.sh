#!/usr/bin/env bash
# Debian's PostgreSQL server for the seed import's tests (tests/support/postgresql.py
# starts one of its own per test module, on a free port). Idempotent.
set -euo pipefail
source "$(dirname "$0")/apt-install.sh"

if compgen -G "/usr/lib/postgresql/*/bin/initdb" > /dev/null; then
    exit 0
fi

echo "Installing Debian's PostgreSQL for the seed import's tests..."
# No cluster of the package's own: it would start and outlive us. The tests run initdb in a temporary folder.
if [[ ! -e /etc/postgresql-common/createcluster.conf ]]; then
    as_root mkdir -p /etc/postgresql-common
    echo "create_main_cluster = false" | as_root tee /etc/postgresql-common/createcluster.conf > /dev/null
fi
apt_install postgresql
dpkg-query --show postgresql
