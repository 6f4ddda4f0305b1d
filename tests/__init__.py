"""The course's tests (a package, so that ``tests.helpers`` imports the same way from the
tests and from ``python -m benchmarks.…``)."""
