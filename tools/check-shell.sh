#!/usr/bin/env bash
# Run shellcheck on the project's shell scripts: the DevStack plugin, the
# tools and the CI entry point.
#
# Usage: tools/check-shell.sh [extra shellcheck arguments]
# Installs shellcheck from the distribution (apt-get) when it is missing and
# the script runs as root; otherwise asks for it.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v shellcheck >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "shellcheck missing: installing it with apt-get" >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck \
            >/dev/null 2>&1 || {
            apt-get update -qq >/dev/null 2>&1
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck \
                >/dev/null
        }
    else
        echo "shellcheck is not installed (Debian/Ubuntu: apt-get install" \
            "shellcheck)" >&2
        exit 1
    fi
fi

files=(devstack/plugin.sh devstack/settings .ci/run)
while IFS= read -r script; do
    files+=("$script")
done < <(find tools devstack -name '*.sh' ! -path devstack/plugin.sh | sort)
# NOTE(ck): devstack/settings has no shebang; its "shellcheck shell=bash"
# directive tells shellcheck the dialect.
shellcheck "$@" "${files[@]}"
echo "shellcheck: ${#files[@]} files clean"
