#!/usr/bin/env bash
# Build the HTML documentation with warnings as errors.
#
# Usage: tools/build-docs.sh [extra sphinx-build arguments]
# Uses the project's virtualenv ($VENV, default ./.venv, created and filled
# like tools/run-tests.sh does when missing), adds doc/requirements.txt to
# it, and runs sphinx-build -W. Needs PyPI for the first install only: the
# build itself fetches nothing (no intersphinx inventories, no graphviz).
# Output: doc/build/html/index.html
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
# NOTE(ck): the oslo.config/oslo.policy Sphinx extensions find CloudKitty's
# options and rules through its entry points, so the project itself must be
# installed in the virtualenv, not just importable.
stamp="$VENV/.ck-docs-installed"
if [ ! -f "$stamp" ] || [ doc/requirements.txt -nt "$stamp" ] \
        || [ requirements.txt -nt "$stamp" ] || [ setup.cfg -nt "$stamp" ]; then
    "$VENV/bin/pip" install -q -r requirements.txt -r doc/requirements.txt
    "$VENV/bin/pip" install -q --no-deps -e .
    touch "$stamp"
fi
rm -rf doc/build/html doc/build/doctrees
exec "$VENV/bin/sphinx-build" -W --keep-going -b html \
    -d doc/build/doctrees "$@" doc/source doc/build/html
