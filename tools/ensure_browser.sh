#!/usr/bin/env bash
# Make sure a Chromium for the browser tests is present.
# Installs Debian's chromium when it is missing and we may (root with apt-get).
# Where it cannot, it says so: the browser tests then skip, except under CI=true,
# where the browser test itself fails the run.
set -u
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
    exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "ensure_browser: installing Debian's chromium for the browser tests..."
    export DEBIAN_FRONTEND=noninteractive
    if apt-get update -qq && apt-get install -y -qq chromium >/dev/null; then
        echo "ensure_browser: chromium installed: $(chromium --version 2>/dev/null)"
        exit 0
    fi
    echo "ensure_browser: apt-get could not install chromium." >&2
else
    echo "ensure_browser: no chromium, and no root/apt-get to install it." >&2
fi
if [ "${CI:-}" = "true" ]; then
    echo "ensure_browser: CI=true and no browser: the browser tests will fail." >&2
    exit 1
fi
echo "ensure_browser: the browser tests will be skipped (install 'chromium' to run them)." >&2
exit 0
