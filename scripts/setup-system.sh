#!/bin/sh
# Install the Debian packages the course's tools need, where they are missing.
#   sh scripts/setup-system.sh chromium bubblewrap
# chromium:   headless browser for the browser tests (test tools may not download one)
# bubblewrap: the sandbox each learner's kernel runs in while it is graded
# postgresql: a throwaway server for the test of a PostgreSQL gradebook
# As root with apt-get the packages are installed; otherwise a note says what to install
# (and under CI=true that is an error, because CI must run every test).
set -eu

command_of() {
    case "$1" in
        chromium) echo "chromium google-chrome" ;;
        bubblewrap) echo "bwrap" ;;
        postgresql) echo "" ;;
        *) echo "$1" ;;
    esac
}

missing=""
for package in "$@"; do
    found=no
    # Debian keeps the server's programs off PATH, under /usr/lib/postgresql/<version>/bin.
    if [ "$package" = postgresql ] && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
        found=yes
    fi
    for candidate in $(command_of "$package"); do
        if command -v "$candidate" >/dev/null 2>&1; then
            found=yes
        fi
    done
    if [ "$found" = no ]; then
        missing="$missing $package"
    fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian packages:$missing"
    apt-get update -qq
    # shellcheck disable=SC2086 # one word per package
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
    exit 0
fi
if [ "${CI:-}" = "true" ]; then
    echo "Missing Debian packages:$missing, and they cannot be installed here" >&2
    echo "(not root, or no apt-get). Under CI every test must run: install them." >&2
    exit 1
fi
echo "NOTE: missing Debian packages:$missing (install with: sudo apt-get install$missing)."
echo "      Without chromium the browser tests are skipped, without postgresql the"
echo "      PostgreSQL gradebook test; without bubblewrap, grading runs kernels unisolated"
echo "      and says so."
