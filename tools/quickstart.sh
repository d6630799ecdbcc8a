#!/usr/bin/env bash
# One command to see CloudKitty work: SQLite, no authentication, the API on
# http://127.0.0.1:8889. Everything lives in ./.quickstart; running it again
# reuses what is there. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
QS=${CK_QUICKSTART_DIR:-.quickstart}
if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
stamp="$VENV/.ck-runtime-installed"
if [ ! -f "$stamp" ] || [ requirements.txt -nt "$stamp" ] || [ setup.cfg -nt "$stamp" ] \
        || [ setup.py -nt "$stamp" ] \
        || [ cloudkitty/rating/hashmap/_pricing.c -nt "$stamp" ]; then
    echo "Installing CloudKitty into $VENV ..."
    "$VENV/bin/pip" install -q --upgrade pip
    "$VENV/bin/pip" install -q -r requirements.txt
    # The published client, for the commands the quick start suggests.
    "$VENV/bin/pip" install -q "python-cloudkittyclient>=6.2.0"
    "$VENV/bin/pip" install -q --no-deps -e .
    touch "$stamp"
fi
exec "$VENV/bin/python" tools/quickstart.py --dir "$QS" "$@"
