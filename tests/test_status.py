"""Reading a graded notebook for its status copes with JSON that editors write oddly."""

import json

from autograder.grading.statuses import _error_lines


def test_error_lines_ignore_outputs_that_are_not_a_list(tmp_path):
    error = {
        "output_type": "error",
        "ename": "ZeroDivisionError",
        "evalue": "division by zero",
        "traceback": [],
    }
    notebook = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [
            # Written by a hand-edited notebook: Jupyter never stores outputs on markdown.
            {"cell_type": "markdown", "id": "a", "metadata": {}, "source": "# Hi", "outputs": None},
            {
                "cell_type": "code",
                "id": "b",
                "metadata": {},
                "source": "1/0",
                "execution_count": 1,
                "outputs": [error],
            },
        ],
    }
    path = tmp_path / "graded.ipynb"
    path.write_text(json.dumps(notebook), encoding="utf-8")
    assert _error_lines(path) == ["ZeroDivisionError: division by zero"]
