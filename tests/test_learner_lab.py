"""``make lab`` as a learner meets it: only what the course needs is installed, the
install says what it is doing, and the lab is quiet (no news prompt, no instructor
tools, no nbgrader warnings) and ends with one line saying which address to open."""

import json
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    tomllib = pytest.importorskip("tomli")

from scripts import lab  # the launcher make lab runs

ROOT = Path(__file__).resolve().parent.parent

INSTRUCTOR_PLUGINS = {
    "@jupyter/nbgrader:menu",
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:course-list",
    "@jupyter/nbgrader:assignment-list",
}


def dry_run(target: str) -> str:
    """The commands ``make TARGET`` would run on a clean clone (-B: as if nothing were built)."""
    result = subprocess.run(
        ["make", "-n", "-B", "-C", str(ROOT), target], capture_output=True, text=True, check=True
    )
    return result.stdout


def test_a_learner_installs_the_course_without_the_test_extras():
    learner = dry_run("lab")
    installs = [line for line in learner.splitlines() if " install " in line]
    assert installs and all("[test]" not in line for line in installs), installs
    assert any(line.rstrip().endswith("install -e .") for line in installs), installs
    assert "Installing the course" in learner, "one line says what the minute of pip is for"
    assert "[test]" in dry_run("test"), "make test adds the test extras, from scratch too"
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for tool in ("pytest", "playwright", "ruff", "psycopg"):
        assert not any(d.startswith(tool) for d in extras["dependencies"]), tool
        assert any(d.startswith(tool) for d in extras["optional-dependencies"]["test"]), tool


def test_the_license_is_the_form_setuptools_no_longer_warns_about():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert isinstance(project["project"]["license"], str), "an SPDX string, not a table"
    requires = project["build-system"]["requires"]
    assert any(re.fullmatch(r"setuptools>=(7[7-9]|[89]\d)", r) for r in requires), requires


def test_the_learner_lab_config_hides_instructor_tools_and_keeps_validate():
    page = json.loads((lab.LEARNER_LAB / "labconfig" / "page_config.json").read_text())
    disabled = {name for name, off in page["disabledExtensions"].items() if off}
    assert disabled == INSTRUCTOR_PLUGINS
    # The plugin ids really are nbgrader's: a renamed plugin would silently stay on.
    bundles = ROOT / ".venv" / "share" / "jupyter" / "labextensions" / "@jupyter" / "nbgrader"
    code = "".join(p.read_text(errors="ignore") for p in bundles.glob("static/*.js"))
    for plugin in INSTRUCTOR_PLUGINS | {"@jupyter/nbgrader:validate-assignment"}:
        assert f'"{plugin}"' in code, plugin


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def learner_lab(tmp_path_factory):
    """The lab as make lab starts it, on a fresh workspace; yields (address, output lines)."""
    from aicareer.workspace import sync

    workspace = tmp_path_factory.mktemp("ws")
    sync(ROOT, workspace)
    port = free_port()
    args = ["--no-browser", f"--port={port}", "--ServerApp.port_retries=0", "START.ipynb"]
    if hasattr(__import__("os"), "geteuid") and __import__("os").geteuid() == 0:
        args.insert(0, "--allow-root")
    child = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "lab.py"), *args],
        cwd=workspace,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines, ready = [], threading.Event()

    def read():
        for line in child.stdout:
            lines.append(line.rstrip("\n"))
            if "Your course is open at" in line:
                ready.set()

    threading.Thread(target=read, daemon=True).start()
    try:
        assert ready.wait(90), "\n".join(lines)
        time.sleep(0.5)  # the course line's second line
        address = re.search(r"open at (\S+)", "\n".join(lines)).group(1)
        yield address, lines, workspace
    finally:
        child.terminate()
        child.wait(30)


def get(address: str, path: str, method: str = "GET", body: dict | None = None):
    base, token = address.split("/lab", 1)[0], address.split("token=", 1)[1]
    request = urllib.request.Request(
        f"{base}{path}",
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"token {token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.mark.slow
def test_the_lab_starts_quietly_and_ends_with_the_address(learner_lab):
    address, lines, _ = learner_lab
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/lab/tree/START\.ipynb\?token=\w+", address)
    text = "\n".join(lines)
    assert lines[0] == "Starting JupyterLab on your start page, START.ipynb..."
    assert not [line for line in lines if line.startswith("[I ")], "info lines are hidden"
    assert "nbgrader_config.py" not in text
    assert [line for line in lines if line.strip()][-2].startswith("==> Your course is open at")
    status, _ = get(address, "/lab/tree/START.ipynb")
    assert status == 200, "the address opens the start page"


@pytest.mark.slow
def test_the_lab_asks_no_news_question_and_hides_instructor_tools(learner_lab):
    address, _, _ = learner_lab
    _, page = get(address, "/lab")
    config = json.loads(
        re.search(r'id="jupyter-config-data"[^>]*>\s*(\{.*?\})\s*</script>', page, re.S)[1]
    )
    assert INSTRUCTOR_PLUGINS <= set(config["disabledExtensions"])
    assert "@jupyter/nbgrader:validate-assignment" not in config["disabledExtensions"]
    _, settings = get(address, "/lab/api/settings/@jupyterlab/apputils-extension:notification")
    defaults = json.loads(settings)["schema"]["properties"]
    assert defaults["fetchNews"]["default"] == "false", "never asks about Jupyter news"
    assert defaults["checkForUpdates"]["default"] is False
    assert get(address, "/formgrader")[0] == 404
    assert get(address, "/formgrader/api/assignments")[0] == 404
    assert get(address, "/assignments")[0] == 404, "the exchange's assignment list"
    assert get(address, "/nbgrader_version?version=0.9.6")[0] == 200, "Validate's server part"


@pytest.mark.slow
def test_validate_in_the_learners_lab_gives_no_config_warning(learner_lab):
    address, lines, workspace = learner_lab
    status, reply = get(address, "/assignments/validate", "POST", {"path": "START.ipynb"})
    assert status == 200, reply
    assert json.loads(reply)["success"] is True, reply
    time.sleep(0.5)  # anything the server logged meanwhile has been read
    assert "nbgrader_config.py" not in reply + "\n".join(lines)


@pytest.mark.slow
def test_saving_goes_through_the_pre_save_hook(learner_lab):
    """A lesson saved with a widget view stored: the hook drops the view (saved_view.py)."""
    address, _, workspace = learner_lab
    view = {"model_id": "gone", "version_major": 2, "version_minor": 0}
    output = {
        "output_type": "display_data",
        "metadata": {},
        "data": {"application/vnd.jupyter.widget-view+json": view, "text/plain": "A question"},
    }
    cell = {"cell_type": "code", "metadata": {}, "source": "x", "outputs": [output]}
    cell["execution_count"] = 1
    content = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    body = {"type": "notebook", "format": "json", "content": content}
    status, reply = get(address, "/api/contents/lessons/saved.ipynb", "PUT", body)
    assert status in (200, 201), reply
    saved = json.loads((workspace / "lessons" / "saved.ipynb").read_text())
    assert "application/vnd.jupyter.widget-view+json" not in json.dumps(saved)
