#!/bin/sh
# Make headless Chromium available for the browser tests.
# Debian's package is used (browsers downloaded by test tools are not allowed here).
set -eu
for candidate in chromium google-chrome; do
    if command -v "$candidate" >/dev/null 2>&1; then
        exit 0
    fi
done
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's chromium for the browser tests..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    exit 0
fi
if [ "${CI:-}" = "true" ]; then
    echo "Chromium is missing and cannot be installed here (not root, or no apt-get)." >&2
    echo "Under CI the browser tests must run: install Debian's 'chromium' package." >&2
    exit 1
fi
echo "NOTE: Chromium is not installed, so the browser tests will be skipped."
echo "      To run them: sudo apt-get install chromium"
