#!/usr/bin/env bash
# Debian's chromium for the browser tests (tests/browser). Playwright drives it
# through executable_path; its own browser downloads are never used, since
# nothing outside the package registries can be fetched. Idempotent.
set -euo pipefail

CHROMIUM=/usr/bin/chromium
if [[ -x "$CHROMIUM" ]]; then
    exit 0
fi

if [[ "$(id -u)" -eq 0 ]]; then
    as_root=()
else
    as_root=(sudo)
fi
echo "Installing Debian's chromium for the browser tests..."
"${as_root[@]}" apt-get update -qq
# A font of its own too, so that screenshots show text on a machine without one.
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core
dpkg-query --show chromium
