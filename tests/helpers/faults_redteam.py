"""Red-team fixtures: submissions written after the grader was hardened (issue 17).

Each is a copy of a healthy hand-in of 07-job-search with code added at the top of the
classify_move cell, which runs before every test. All start from "wrong" (0 points
honestly earned: every code test fails, every widget answer is wrong), so a point above
0 is forged. The code tests are worth 10 of the 16 points; the widget questions (6) are
scored by the trusted grader from the answer sheet, so only code tests can be forged.

What each tries:

- the kernel *recognises the grader's own check* by its text and leaves it alone, while
  swallowing every error of the learner's and instructor's cells, through a hook the
  probe did not look at (IPython's compiler class) or one it did (the AST transformers);
- a name shadowing a builtin in IPython's own module, so that its ``exec`` swallows errors;
- a function that returns an object equal to anything (no hook at all).

``REDTEAM`` maps the name to the Fault (see ``faults.py``): status, exact score and text
the detail or flags must contain.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from tests.helpers.faults import ASSIGNMENT, WRONG_CLASSIFY, Fault, code_in

SHELL = """
_shell = getattr(__import__("IP" + "ython"), "get_" + "ip" + "ython")()
_ast = __import__("a" + "st")
"""

# Is this code checked by the grader? Its own checks are named in the code it sends, and
# widget checks are scored again from the answer sheet: both are left alone, so that the
# kernel never reports more for a widget question than the sheet is worth.
IS_GRADER_CHECK = """
def _from_grader(text):
    marks = ("_aicareer" + "_probe_", "grader " + "canary", ".gra" + "de(", ".requ" + "ire(")
    return any(mark in text for mark in marks)
def _quiet(tree):
    handler = _ast.ExceptHandler(type=_ast.Name("BaseException", _ast.Load()), name=None,
                                 body=[_ast.Pass()])
    tree.body = [_ast.Try(body=tree.body or [_ast.Pass()], handlers=[handler], orelse=[],
                          finalbody=[])]
    return _ast.fix_missing_locations(tree)
"""

# IPython parses every cell with its compiler's ast_parse: replaced on the class, every
# cell but the grader's check has its errors swallowed. No list of hooks changes.
COMPILER_SKIPS_THE_CHECK = (
    SHELL
    + IS_GRADER_CHECK
    + """
_compiler = type(getattr(_shell, "comp" + "ile"))
_parse = getattr(_compiler, "ast_" + "parse")
def ast_parse(self, source, *args, **kwargs):
    tree = _parse(self, source, *args, **kwargs)
    return tree if _from_grader(source) else _quiet(tree)
ast_parse.__qualname__ = _parse.__qualname__
setattr(_compiler, "ast_" + "parse", ast_parse)
"""
)

# An AST transformer (a hook the probe lists) that leaves the grader's check alone.
TRANSFORMER_SKIPS_THE_CHECK = (
    SHELL
    + IS_GRADER_CHECK
    + """
class _SkipsGrader(getattr(_ast, "Node" + "Transformer")):
    def visit_Module(self, node):
        if _from_grader(_ast.unparse(node)):
            return node
        return _quiet(node)
getattr(_shell, "ast_" + "transformers").append(_SkipsGrader())
"""
)

# IPython's run_code calls ``exec`` by name: a global of that name in its module shadows
# the builtin, and the builtins themselves stay untouched.
EXEC_SHADOWED_IN_IPYTHON = """
_module = __import__("IP" + "ython.core.interactive" + "shell").core.interactiveshell
_real = getattr(__import__("buil" + "tins"), "ex" + "ec")
def _exec(code, *namespaces):
    names = " ".join(code.co_names) + " ".join(map(str, code.co_consts))
    marks = ("_aicareer" + "_probe_", "grader " + "canary", "gra" + "de", "requ" + "ire")
    if any(mark in names for mark in marks):
        return _real(code, *namespaces)
    try:
        return _real(code, *namespaces)
    except BaseException:
        return None
setattr(_module, "ex" + "ec", _exec)
"""

# No hook at all: classify_move returns an object equal to every expected answer.
EQUAL_TO_ANYTHING = """
class _Answer(str):
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False
    __hash__ = str.__hash__
def classify_move(current, target):
    return _Answer("Both")
"""


# The compiler restored in a code cell added after the last test: the tests ran with it,
# and a full look at the kernel taken only after the last cell would find nothing.
RESTORE_COMPILER = """
setattr(_compiler, "ast_" + "parse", _parse)
"""


# What a test's message shows of a wrong answer is the answer's repr: here markup, a
# spreadsheet formula, terminal escapes and 3 MB of text, into every failing test's message.
MARKUP_IN_A_TEST_MESSAGE = """
class _Shown(str):
    def __repr__(self):
        return ("<script>alert('x')</script><img src=x onerror=alert(1)>=HYPERLINK(\\"http://e\\")"
                "\\x1b]0;pwned\\x07\\x1b[2J" + "A" * 3_000_000)
def classify_move(current, target):
    return _Shown("Both")
"""


# Markdown whose rendering on the feedback page takes time far beyond its size: nested
# emphasis, links and code marks (405 KB held a worker for minutes).
SLOW_MARKDOWN = (
    "*a **b " * 20000
    + "[" * 20000
    + "](" * 20000
    + "<" * 20000
    + "`" * 20000
    + ("_" + "*" * 5) * 20000
)


def with_markdown_cell(text: str):
    """A copy of the hand-in with a markdown cell of ``text`` added at the end."""

    def add(folder: Path, course: Path) -> None:
        path = folder / f"{ASSIGNMENT}.ipynb"
        nb = nbformat.read(path, as_version=4)
        nb.cells.append(nbformat.v4.new_markdown_cell(text))
        nbformat.write(nb, path)

    return add


def with_last_cell(make, code: str):
    """``make``, and a code cell holding ``code`` added at the end of the notebook."""

    def add(folder: Path, course: Path) -> None:
        make(folder, course)
        path = folder / f"{ASSIGNMENT}.ipynb"
        nb = nbformat.read(path, as_version=4)
        nb.cells.append(nbformat.v4.new_code_cell(code))
        nbformat.write(nb, path)

    return add


def before_tests(attack: str, code: str = WRONG_CLASSIFY):
    """``attack`` at the top of the classify_move cell, before every test."""
    return code_in("classify_move", attack + "\n" + code)


REDTEAM: dict[str, Fault] = {
    "errors-swallowed-by-a-compiler-that-skips-the-grader-check": Fault(
        before_tests(COMPILER_SKIPS_THE_CHECK), "tampered", 0, says="compiler", base="wrong"
    ),
    "compiler-restored-in-a-cell-after-the-last-test": Fault(
        with_last_cell(before_tests(COMPILER_SKIPS_THE_CHECK), RESTORE_COMPILER),
        "tampered",
        0,
        says="compiler",
        base="wrong",
    ),
    "errors-swallowed-by-a-transformer-that-skips-the-grader-check": Fault(
        before_tests(TRANSFORMER_SKIPS_THE_CHECK),
        "tampered",
        0,
        says="ast_transformers",
        base="wrong",
    ),
    "errors-swallowed-by-exec-shadowed-in-ipython": Fault(
        before_tests(EXEC_SHADOWED_IN_IPYTHON), "tampered", 0, says="exec", base="wrong"
    ),
    # Holds: the messages are cut to the output cap and shown as text, never as markup.
    "markup-and-megabytes-in-a-test-message": Fault(
        code_in("classify_move", MARKUP_IN_A_TEST_MESSAGE),
        "ok",
        0,
        says="output cut",
        base="wrong",
    ),
    "markdown-that-takes-minutes-to-render": Fault(
        with_markdown_cell(SLOW_MARKDOWN),
        "notebook too large",
        None,
        says="a text cell of",
        base="right",
    ),
    # The two classify_move tests (3 points) pass against an answer equal to anything:
    # no kernel check can tell it from a right answer, so a person is asked to look.
    "answer-equal-to-anything": Fault(
        code_in("classify_move", EQUAL_TO_ANYTHING),
        "ok",
        3,
        says="override ==",
        base="wrong",
    ),
}

__all__ = ["REDTEAM"]
