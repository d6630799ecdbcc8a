#!/usr/bin/env bash
# Install the external services the collector/fetcher integration tests start
# themselves (see cloudkitty/tests/services.py):
#
# * Prometheus + promtool (Debian package ``prometheus``), if missing;
# * a private virtualenv holding Gnocchi 4.7 (API under gunicorn + metricd),
#   at ${CK_GNOCCHI_VENV:-$HOME/.cache/cloudkitty-tests/gnocchi-venv}.
#
# Idempotent and quick when everything is already there; .ci/run calls it
# before the test suite. The test fixtures would install the same things on
# first use, this only moves the wait out of the tests.
set -euo pipefail

if ! command -v prometheus >/dev/null || ! command -v promtool >/dev/null; then
    if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
        --no-install-recommends prometheus >/dev/null
fi

GN_VENV=${CK_GNOCCHI_VENV:-$HOME/.cache/cloudkitty-tests/gnocchi-venv}
if [ ! -x "$GN_VENV/bin/gnocchi-metricd" ] || [ ! -x "$GN_VENV/bin/gunicorn" ]; then
    python3 -m venv "$GN_VENV"
    "$GN_VENV/bin/pip" install -q 'gnocchi[postgresql,file]>=4.7,<4.8' \
        gunicorn psycopg2-binary
fi
# Keystone for the authentication tests (cloudkitty/tests/keystone.py).
KS_VENV=${CK_KEYSTONE_VENV:-$HOME/.cache/cloudkitty-tests/keystone-venv}
if [ ! -x "$KS_VENV/bin/keystone-manage" ] || [ ! -x "$KS_VENV/bin/gunicorn" ]; then
    python3 -m venv "$KS_VENV"
    "$KS_VENV/bin/pip" install -q keystone gunicorn
fi
echo "prometheus: $(command -v prometheus); gnocchi venv: $GN_VENV; keystone venv: $KS_VENV"
