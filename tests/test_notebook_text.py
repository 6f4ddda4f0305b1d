"""What every module's notebooks say to a learner, checked course-wide.

- Practice questions in lessons do not show their key before the learner answers.
- A dollar amount in markdown is escaped (``\\$3,000``): JupyterLab reads a bare ``$`` as
  the start of mathematics and runs the text between two amounts together in italics.
- The stated times agree: lesson header + assignment header = the start page
  (``aicareer/course.py``) = the README's table.
- Plausible mistakes are caught by a *visible* check whose message names the fix: each
  module's simulated learners (``tests/helpers/students_NN.py``) may list them as ``visible_hints``.
"""

from __future__ import annotations

import ast
import contextlib
import io
import re

import nbformat
import pytest

from aicareer.course import MODULES
from tests.helpers.course import LESSONS, ROOT, SOLUTION_REGION
from tests.helpers.students import STUDENTS

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted(
    (ROOT / "source").glob("*/*.ipynb")
)


def _name(path) -> str:
    return str(path.relative_to(ROOT))


# ---------------------------------------------------------------------------------------
# Practice keys are hidden


def passes_correct(source: str) -> bool:
    """Whether the cell calls something with a ``correct=`` keyword (a practice key)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:  # IPython syntax (magics): fall back to reading the text
        return re.search(r"\bcorrect\s*=", source) is not None
    return any(
        isinstance(node, ast.Call) and any(k.arg == "correct" for k in node.keywords)
        for node in ast.walk(tree)
    )


def source_hidden(cell) -> bool:
    return bool(cell.metadata.get("jupyter", {}).get("source_hidden"))


@pytest.mark.parametrize("path", LESSONS, ids=_name)
def test_practice_keys_are_hidden_until_answered(path):
    nb = nbformat.read(path, as_version=4)
    shown = [
        f"cell {i} ({cell.get('id')})"
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and passes_correct(cell.source) and not source_hidden(cell)
    ]
    assert not shown, (
        f"these practice cells show their key (correct=) before the learner answers: "
        f"{', '.join(shown)}. Set the cell metadata {{'jupyter': {{'source_hidden': true}}}}."
    )


def test_the_key_finder_sees_keys_and_only_keys():
    assert passes_correct('practice.single_choice("p", "Q?", ["a", "b"], correct="a")')
    assert passes_correct("%matplotlib inline\npractice.numeric('p', correct=3)")
    assert not passes_correct('practice.single_choice("p", "Q?", ["a", "b"])')
    assert not passes_correct('print("correct = 3 is the answer")')


# ---------------------------------------------------------------------------------------
# Dollar amounts


FENCED_CODE = re.compile(r"^```.*?^```", re.S | re.M)
INLINE_CODE = re.compile(r"`[^`\n]*`")
# A dollar sign that starts an amount: not escaped, not part of "$$", followed by a number
# that is not itself the start of mathematics ("$2h$", "$0.5$", "$2^n$", "$3\\cdot$").
BARE_DOLLAR_AMOUNT = re.compile(r"(?<![\\$])\$(?=\d[\d,]*(?:\.\d+)?(?![\d.A-Za-z\\^_{$]))")


def bare_dollar_amounts(markdown: str) -> list[str]:
    """The unescaped dollar amounts in ``markdown``, each with a little context."""
    text = INLINE_CODE.sub("", FENCED_CODE.sub("", markdown))
    return [text[max(0, m.start() - 20) : m.end() + 12] for m in BARE_DOLLAR_AMOUNT.finditer(text)]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_name)
def test_markdown_has_no_unescaped_dollar_amount(path):
    nb = nbformat.read(path, as_version=4)
    found = [
        f"cell {i}: ...{snippet}..."
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "markdown"
        for snippet in bare_dollar_amounts(cell.source)
    ]
    assert not found, (
        "JupyterLab reads a bare $ as the start of mathematics; write a dollar amount as "
        "\\$3,000:\n" + "\n".join(found)
    )


def test_the_dollar_finder_tells_money_from_mathematics():
    assert len(bare_dollar_amounts("saves $3,000 a week and costs $6,000.")) == 2
    assert len(bare_dollar_amounts("a budget of $97,193, or $1.5 per message")) == 2
    assert not bare_dollar_amounts(r"saves \$3,000 a week")
    assert not bare_dollar_amounts("with $b = 0.5$ and $$\\text{err}(n) = a n^{-b}$$")
    assert not bare_dollar_amounts("a change of $2h$, a rate of $0.5$ and $2^n$ or $3\\cdot x$")
    assert not bare_dollar_amounts("run `echo $1` or\n```sh\nprice=$5\n```\n")


# ---------------------------------------------------------------------------------------
# Stated times


def stated_minutes(path) -> int:
    """The minutes a notebook's header states ("about 90 minutes")."""
    header = nbformat.read(path, as_version=4).cells[0].source
    found = re.search(r"about (\d+) minutes", header)
    assert found, f"{_name(path)}: the first cell should say 'about N minutes'"
    return int(found.group(1))


def readme_minutes(number: int) -> int:
    """The time in the README's module table for module ``number``."""
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        if line.startswith(f"| {number} |"):
            found = re.search(r"\|\s*(\d+) min\s*\|", line)
            assert found, f"README: the row of module {number} has no 'N min' cell: {line}"
            return int(found.group(1))
    raise AssertionError(f"README: no row for module {number} in the module table")


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.slug)
def test_stated_times_agree(module):
    lesson = ROOT / "notebooks" / f"{module.slug}.ipynb"
    assignment = ROOT / "source" / module.slug / f"{module.slug}.ipynb"
    if not (lesson.exists() and assignment.exists()):
        pytest.skip(f"{module.slug}: lesson or assignment not written yet")
    in_lesson, in_assignment = stated_minutes(lesson), stated_minutes(assignment)
    figures = {
        "lesson + assignment headers": in_lesson + in_assignment,
        "aicareer/course.py (start page)": module.minutes,
        "README table": readme_minutes(module.number),
    }
    assert len(set(figures.values())) == 1, (
        f"{module.slug}: the stated times disagree (lesson {in_lesson} + assignment "
        f"{in_assignment} min): {figures}"
    )


# ---------------------------------------------------------------------------------------
# Visible checks that name the plausible mistake


def _grade_id(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def _run_visible_checks(assignment: str, code: dict[str, str], check_ids) -> dict:
    """Run the released notebook's cells with ``code`` in its solution cells, the way a
    learner's kernel would (widget questions left out, errors in other cells ignored),
    then each visible check in ``check_ids``. Returns the exception each check raised
    (None when it passed)."""
    nb = nbformat.read(ROOT / "release" / assignment / f"{assignment}.ipynb", as_version=4)
    namespace: dict = {"__name__": "__main__"}
    outcome = {}
    with contextlib.redirect_stdout(io.StringIO()):
        for cell in nb.cells:
            grade_id = _grade_id(cell)
            if cell.cell_type != "code" or "widget-question" in cell.metadata.get("tags", []):
                continue
            if cell.metadata.get("nbgrader", {}).get("grade"):
                if grade_id in check_ids:
                    try:
                        exec(cell.source, namespace)
                        outcome[grade_id] = None
                    except Exception as problem:  # noqa: BLE001 - what a learner sees
                        outcome[grade_id] = problem
                continue
            source = code.get(grade_id, cell.source)
            with contextlib.suppress(Exception):
                exec(SOLUTION_REGION.sub(lambda m: m.group(1), source), namespace)
    # The notebook's plots are drawn on pyplot figures that nothing else closes.
    namespace.get("plt", _NoPyplot).close("all")
    return outcome


class _NoPyplot:
    """Stands in for pyplot when a notebook draws nothing."""

    @staticmethod
    def close(_which):
        return None


@pytest.mark.parametrize("assignment", sorted(STUDENTS))
def test_plausible_mistakes_fail_a_visible_check_that_names_them(assignment, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the answer sheet, if any, is written here
    plans = STUDENTS[assignment]()
    with_hints = {name: plan for name, plan in plans.items() if plan.get("visible_hints")}
    if not with_hints:
        pytest.skip(f"{assignment}: no simulated learner lists visible_hints")
    for student, plan in with_hints.items():
        hints = plan["visible_hints"]
        wrong = _run_visible_checks(assignment, plan["code"], hints)
        for grade_id, phrase in hints.items():
            problem = wrong.get(grade_id)
            assert isinstance(problem, AssertionError), (
                f"{student}: the visible part of {grade_id} should fail with a hint, "
                f"got {problem!r}"
            )
            assert phrase in str(problem), (
                f"{student}: the message of {grade_id} should name {phrase!r}: {problem}"
            )
        # The same visible checks pass the instructor's code: they tell right from wrong.
        right = _run_visible_checks(assignment, plans["right"]["code"], hints)
        assert right == dict.fromkeys(hints), right


# ---------------------------------------------------------------------------------------
# Where a notebook sends the learner next


# A notebook path as a learner's workspace lays it out (lessons/, assignments/), or as the
# repository does (notebooks/), which a learner's workspace does not have.
NOTEBOOK_PATH = re.compile(r"\b(lessons|assignments|notebooks)/([\w./-]+?\.ipynb)")


def workspace_targets() -> set[str]:
    """The notebook paths that exist in a learner's workspace."""
    lessons = {f"lessons/{p.name}" for p in LESSONS}
    assignments = {
        f"assignments/{p.parent.name}/{p.name}" for p in (ROOT / "release").glob("*/*.ipynb")
    }
    return lessons | assignments


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_name)
def test_every_notebook_ends_with_a_next_step(path):
    nb = nbformat.read(path, as_version=4)
    assert any(
        c.cell_type == "markdown" and re.search(r"^## Next\b", c.source, re.M) for c in nb.cells
    ), f"{_name(path)}: no '## Next' section saying where to go from here"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_name)
def test_every_notebook_path_a_learner_is_sent_to_exists(path):
    nb = nbformat.read(path, as_version=4)
    known = workspace_targets()
    wrong = []
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for folder, rest in NOTEBOOK_PATH.findall(cell.source):
            target = f"{folder}/{rest}"
            if folder == "notebooks":
                wrong.append(f"{target} (the workspace has lessons/, not notebooks/)")
            elif target not in known:
                wrong.append(f"{target} (no such notebook in a workspace)")
    assert not wrong, f"{_name(path)} sends the learner to: " + "; ".join(wrong)
