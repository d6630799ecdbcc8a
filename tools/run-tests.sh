#!/usr/bin/env bash
# Run CloudKitty's whole test suite (unit + functional, on SQLite,
# PostgreSQL and MariaDB, RabbitMQ and Redis where tests need them).
#
# Usage: tools/run-tests.sh [pytest arguments]
# Creates ./.venv on first use (Python 3.11+), installs the project and its
# test requirements, runs ruff, then pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
stamp="$VENV/.ck-installed"
if [ ! -f "$stamp" ] || [ requirements.txt -nt "$stamp" ] \
        || [ test-requirements.txt -nt "$stamp" ] || [ setup.cfg -nt "$stamp" ] \
        || [ setup.py -nt "$stamp" ] \
        || [ cloudkitty/rating/hashmap/_pricing.c -nt "$stamp" ]; then
    "$VENV/bin/pip" install -q --upgrade pip
    "$VENV/bin/pip" install -q -r requirements.txt -r test-requirements.txt
    "$VENV/bin/pip" install -q --no-deps -e .
    touch "$stamp"
fi
"$VENV/bin/ruff" check cloudkitty tools
exec "$VENV/bin/python" -m pytest -n "${CK_TEST_WORKERS:-2}" -q "$@"
