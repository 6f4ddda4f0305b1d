"""Notebooks open unchanged in JupyterLab: they store the kernel spec and language info
the course's kernel reports, so a learner is never asked to save a notebook they only
opened. (Checked in a browser: a different display name, language info or Python
version each marks the notebook unsaved the moment its kernel starts.)"""

import json
import platform
from pathlib import Path

import pytest

from aicareer.workspace import KERNELSPEC, START_PAGE, language_info, sync, with_lab_metadata
from scripts.notebook_metadata import course_notebooks

ROOT = Path(__file__).resolve().parent.parent


def test_kernelspec_is_the_one_the_course_kernel_writes():
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec("python3")
    assert KERNELSPEC == {
        "display_name": spec.display_name,
        "language": "python",
        "name": "python3",
    }


def test_language_info_is_what_ipykernel_reports():
    from ipykernel.ipkernel import IPythonKernel

    assert language_info() == IPythonKernel.language_info


def without_version(info: dict) -> dict:
    return {k: v for k, v in info.items() if k != "version"}


@pytest.mark.parametrize("path", course_notebooks(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_course_notebook_stores_the_labs_kernel_metadata(path):
    """If this fails: python scripts/notebook_metadata.py (then make release for release/)."""
    metadata = json.loads(path.read_text("utf-8"))["metadata"]
    assert metadata.get("kernelspec") == KERNELSPEC
    # The version is the learner's: the workspace copy writes their own (below).
    assert without_version(metadata.get("language_info", {})) == without_version(language_info())


def test_workspace_copies_carry_the_learners_python_version(tmp_path):
    sync(ROOT, tmp_path)
    copies = sorted(tmp_path.rglob("*.ipynb"))
    assert any(p.name == START_PAGE for p in copies) and len(copies) > 2
    for copy in copies:
        metadata = json.loads(copy.read_text("utf-8"))["metadata"]
        assert metadata["kernelspec"] == KERNELSPEC, copy
        assert metadata["language_info"]["version"] == platform.python_version(), copy


def test_adding_the_metadata_changes_nothing_else():
    nb = {
        "cells": [{"cell_type": "markdown", "metadata": {}, "source": ["a\n", "b"]}],
        "metadata": {"kernelspec": {"display_name": "Python 3", "name": "python3"}, "x": 1},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    fixed = json.loads(with_lab_metadata(json.dumps(nb).encode(), "3.12.1"))
    assert fixed["cells"] == nb["cells"] and fixed["metadata"]["x"] == 1
    assert fixed["metadata"]["language_info"]["version"] == "3.12.1"
    again = with_lab_metadata(json.dumps(fixed).encode(), "3.12.1")
    assert json.loads(again) == fixed
    assert with_lab_metadata(b"not a notebook") == b"not a notebook"
