"""Measured, never asserted: run each as ``python -m benchmarks.<name>`` from the repository root."""
