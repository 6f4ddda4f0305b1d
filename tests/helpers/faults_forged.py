"""Fixture submissions that try to earn points without right answers (issue 17, part 3).

Each is a copy of a healthy hand-in of 07-job-search with code added at the top of the
classify_move cell, which runs before every test. Most start from "wrong" (wrong code,
a wrong answer to every widget question: 0 points honestly earned), so any point above
that would be forged. Every call that changes the kernel is spelt so that no text
pattern matches it: names built from strings, ``getattr``, ``__import__``.

``FORGED`` maps the name to the Fault (see ``faults.py``): the status, the exact score,
and text the detail or flags must contain.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from tests.helpers.course import solution_code
from tests.helpers.faults import ASSIGNMENT, WRONG_CLASSIFY, Fault, code_in, write_file

RIGHT_CLASSIFY = solution_code(ASSIGNMENT)["classify_move"]

# The kernel's shell, reached without writing its name.
SHELL = """
_shell = getattr(__import__("IP" + "ython"), "get_" + "ip" + "ython")()
"""

# After each cell: clear what it showed, then show a text result. nbgrader reads the
# first execute_result and, not a number, gives full marks, though the error is re-added.
RESULT_BEFORE_ERROR = (
    SHELL
    + """
def _after(result):
    getattr(__import__("IP" + "ython.display").display, "clear_" + "output")()
    getattr(_shell, "display" + "hook")("all tests passed")
getattr(getattr(_shell, "ev" + "ents"), "reg" + "ister")("post_" + "run_cell", _after)
"""
)

# Every cell's body wrapped in try/except: no error ever shows, every test "passes".
SWALLOW_ERRORS = (
    SHELL
    + """
_ast = __import__("a" + "st")
class _Quiet(getattr(_ast, "Node" + "Transformer")):
    def visit_Module(self, node):
        handler = _ast.ExceptHandler(type=_ast.Name("BaseException", _ast.Load()),
                                     name=None, body=[_ast.Pass()])
        node.body = [_ast.Try(body=node.body or [_ast.Pass()], handlers=[handler],
                              orelse=[], finalbody=[])]
        return _ast.fix_missing_locations(node)
getattr(_shell, "ast_" + "transformers").append(_Quiet())
"""
)

# Every assert becomes nothing; tests that use ``raise`` still fail.
DROP_ASSERTS = (
    SHELL
    + """
_ast = __import__("a" + "st")
class _NoAsserts(getattr(_ast, "Node" + "Transformer")):
    def visit_Assert(self, node):
        return _ast.Pass()
getattr(_shell, "ast_" + "transformers").append(_NoAsserts())
"""
)

# A custom exception handler that shows nothing (the kernel still reports the error).
CUSTOM_HANDLER = (
    SHELL
    + """
getattr(_shell, "set_" + "custom_exc")((BaseException,), lambda *args, **kwargs: None)
"""
)

# The displayhook replaced, and right answers put into the grader's memory, not chosen.
FORGE_IN_MEMORY = (
    SHELL
    + """
class _Shown(type(getattr(_shell, "display" + "hook"))):
    pass
_hook = _Shown(shell=_shell, cache_size=0)
setattr(_shell, "display" + "hook", _hook)
__import__("s" + "ys").displayhook = _hook
getattr(globals()["h" + "w"], "ty" + "ped").update({
    "1.2": "Role switch",
    "3.1": "The startup: there is more work than people, so help with ML tasks is welcome",
})
"""
)

# Typed answers the trusted scoring cannot read without running them (never run here).
TYPED_NEVER_RUN = """
if False:
    hw.answer("1.2", "Role switch")
def _later():
    hw.answer("3." + "1", "The startup: there is more work than people, so help with ML "
              "tasks is welcome")
"""

# A harmless callback: it changes how cells run (they print more), nothing else.
HARMLESS_CALLBACK = (
    SHELL
    + """
getattr(getattr(_shell, "ev" + "ents"), "reg" + "ister")(
    "post_" + "run_cell", lambda result: print("cell done"))
"""
)

# Files a kernel could run at its start if the work folder were on sys.path: a fake
# course kit whose every check passes, a fake kernel launcher and a sitecustomize.
FAKE_KIT = b"""
class Assignment:
    def __init__(self, name, folder=None):
        self.typed = {}
    def __getattr__(self, name):
        return lambda *args, **kwargs: kwargs.get("points", None)
"""
FAKE_LAUNCHER = b"import sys\nsys.exit(0)\n"
SITECUSTOMIZE = b"import builtins\nbuiltins.AssertionError = type('Quiet', (Exception,), {})\n"


def _files_that_run_at_start(folder: Path, course: Path) -> None:
    for name, data in (
        ("aicareer.py", FAKE_KIT),
        ("ipykernel_launcher.py", FAKE_LAUNCHER),
        ("sitecustomize.py", SITECUSTOMIZE),
    ):
        write_file(name, data)(folder, course)


def with_clean_record(make):
    """``make``, and a clean record of the grader's checks planted in the notebook."""

    def plant(folder: Path, course: Path) -> None:
        make(folder, course)
        path = folder / f"{ASSIGNMENT}.ipynb"
        nb = nbformat.read(path, as_version=4)
        nb.metadata["autograder_kernel_probe"] = {
            "checks": 99,
            "tampering": [],
            "hook_changes": [],
            "unanswered": [],
        }
        nbformat.write(nb, path)

    return plant


def before_tests(attack: str, code: str = WRONG_CLASSIFY):
    """``attack`` at the top of the classify_move cell, before every test."""
    return code_in("classify_move", attack + "\n" + code)


# A kernel that fails the grader's canary has every code test it scored withheld (0);
# widget questions are scored from the answer sheet in any case.
FORGED: dict[str, Fault] = {
    "result-shown-before-error": Fault(
        before_tests(RESULT_BEFORE_ERROR), "tampered", 0, says="post_run_cell", base="wrong"
    ),
    "errors-swallowed-by-ast-transformer": Fault(
        with_clean_record(before_tests(SWALLOW_ERRORS)),
        "tampered",
        0,
        says="ast_transformers",
        base="wrong",
    ),
    "asserts-rewritten": Fault(
        before_tests(DROP_ASSERTS), "tampered", 0, says="_NoAsserts", base="wrong"
    ),
    "errors-hidden-by-custom-handler": Fault(
        before_tests(CUSTOM_HANDLER), "tampered", 0, says="custom_exceptions", base="wrong"
    ),
    "answers-forged-past-a-replaced-displayhook": Fault(
        before_tests(FORGE_IN_MEMORY + TYPED_NEVER_RUN),
        "tampered",
        0,
        says="displayhook",
        base="wrong",
    ),
    "typed-answers-never-run": Fault(
        before_tests(TYPED_NEVER_RUN), "ok", 0, says="typed answer", base="wrong"
    ),
    # Right work keeps its points: a changed hook is a flag for a person, not a verdict.
    "harmless-callback-on-right-work": Fault(
        before_tests(HARMLESS_CALLBACK, RIGHT_CLASSIFY),
        "ok",
        16,
        says="post_run_cell",
        base="right",
    ),
    "files-that-run-at-kernel-start": Fault(
        _files_that_run_at_start, "ok", 0, says="sitecustomize.py", base="wrong"
    ),
}

__all__ = ["ASSIGNMENT", "FORGED"]
