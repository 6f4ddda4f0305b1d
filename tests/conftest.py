"""Fixtures shared by the test modules."""

import os
import shutil

import pytest

# Debian's package first; test tools' own browser downloads are not used.
CHROMIUM_PATHS = ("/usr/bin/chromium",)
# chromium-browser last: on Ubuntu it may be a stub that only installs a snap.
CHROMIUM_NAMES = ("chromium", "google-chrome", "chromium-browser")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """The Chromium the browser tests drive; skip without one, but fail under CI."""
    candidates = [*CHROMIUM_PATHS, *(shutil.which(name) for name in CHROMIUM_NAMES)]
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    if os.environ.get("CI") == "true":
        pytest.fail(
            "Chromium is not installed, and under CI (CI=true) the browser tests must run: "
            "install Debian's 'chromium' package (make setup-system).",
            pytrace=False,
        )
    pytest.skip(
        "Chromium is not installed: browser tests skipped. "
        "Install Debian's 'chromium' package to run them."
    )


@pytest.fixture(scope="session")
def sandbox_available() -> None:
    """Kernels can be isolated here; skip otherwise, but fail under CI."""
    from autograder.sandbox import isolation_problem

    problem = isolation_problem()
    if problem is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"Under CI grading must be isolated, but: {problem}", pytrace=False)
    pytest.skip(f"isolation tests skipped: {problem}")


@pytest.fixture(scope="session", autouse=True)
def _fix_pytest_temp_folder(tmp_path_factory):
    """Settle pytest's own temporary folder at the start, in the machine's temp folder.

    Some grading tests give their run a temporary folder of its own for a while (to count
    only their own sandboxes); pytest's folder must not be made inside that one, which is
    removed afterwards.
    """
    tmp_path_factory.getbasetemp()
