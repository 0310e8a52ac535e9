#!/usr/bin/env bash
# Debian's chromium for the browser tests (tests/browser). Playwright drives it
# through executable_path; its own browser downloads are never used, since
# nothing outside the package registries can be fetched. Idempotent.
set -euo pipefail
source "$(dirname "$0")/apt-install.sh"

CHROMIUM=/usr/bin/chromium
if [[ -x "$CHROMIUM" ]]; then
    exit 0
fi

echo "Installing Debian's chromium for the browser tests..."
# A font of its own too, so that screenshots show text on a machine without one.
apt_install chromium fonts-dejavu-core
dpkg-query --show chromium
