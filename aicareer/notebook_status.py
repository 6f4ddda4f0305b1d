"""What a notebook on disk asks and what the learner has done in it.

One reader for three places: ``hw.check_complete()`` in the kernel, the start page's
progress, and the view of a reopened notebook (:mod:`aicareer.saved_view`). It reads
the notebook file (never the kernel), so it knows every question whatever has run:

* widget questions: code cells tagged ``widget-question``, asked with
  ``<binder>.<kind>("id", ...)``;
* code exercises: nbgrader solution cells that are not widget questions; one still
  holding ``raise NotImplementedError`` (the release stub) is not written yet, and one
  that holds code of its own as well still has the stub line to delete;
* reflections: the markdown cell just after a task cell (``"task": true``); empty, or
  still the placeholder line, means not written yet. When the task asks for a number of
  words ("120 to 250 words"), an answer of fewer than half the lower bound is not written
  yet either (so "TODO" under the placeholder does not count); the words are counted
  without the placeholder;
* practice questions of a lesson, asked the same way as widget questions.

Everything here works on plain notebook dicts (``json.load`` or nbformat), never
changes them, and never raises on a notebook a learner broke: a cell that does not
parse is read as well as it can be.
"""

from __future__ import annotations

import ast
import inspect
import json
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from .answers import Entry
from .questions import BY_KIND, QUESTION_KINDS, InvalidAnswer, Question, question_asked

# The tag that marks a cell asking a widget question: the release, the grader and the
# start page all find questions by it.
WIDGET_QUESTION_TAG = "widget-question"
# The binder's asking methods and the kind each asks, from the registry of kinds.
ASKING_METHODS = {kind.asking_method: kind.kind for kind in QUESTION_KINDS}
QUESTION_NUMBER = re.compile(r"\bQuestion\s+(\d+(?:\.\d+)*)")
# How an answer cell reads before the learner writes: the course's placeholder line
# ("*Write your answer to Question 4.2 here (double-click to edit).*") or nbgrader's.
PLACEHOLDERS = (re.compile(r"^write your answer\b", re.I), re.compile(r"^your answer here$", re.I))
# The placeholder sentence alone, wherever it sits, so that words typed after it count.
PLACEHOLDER_TEXT = re.compile(
    r"write your answer(?: to question [\d.]+)? here(?: \(double-click to edit\))?\.?"
    r"|^\W*your answer here\W*$",
    re.I | re.M,
)
# The length a task asks for: "120 to 250 words", also across a line break or with a dash.
WORD_RANGE = re.compile(r"\b(\d[\d,]*)\s*(?:to|-|–|—)\s*(\d[\d,]*)\s+words\b", re.I)
WORD = re.compile(r"\w+(?:['’-]\w+)*")


def source_of(cell) -> str:
    """A cell's source as one string (notebook files may store it as a list of lines)."""
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def is_widget_question(cell) -> bool:
    """True for a notebook cell that asks a widget question."""
    return WIDGET_QUESTION_TAG in (cell.get("metadata", {}).get("tags") or [])


def nbgrader_meta(cell) -> dict:
    """The cell's nbgrader metadata (empty for an ordinary cell)."""
    meta = cell.get("metadata", {}).get("nbgrader")
    return meta if isinstance(meta, dict) else {}


def read_notebook(path: Path) -> dict | None:
    """The notebook at ``path`` as a plain dict, or None if it is missing or not a notebook."""
    try:
        with open(path, encoding="utf-8") as stream:
            nb = json.load(stream)
    except (OSError, ValueError):
        return None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        return None
    nb["cells"] = [c for c in nb["cells"] if isinstance(c, dict)]
    return nb


def _parse(source: str) -> ast.Module | None:
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError):
        # A learner's unfinished line, or IPython syntax (%magic, !shell) in the cell.
        cleaned = "\n".join(
            "" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()
        )
        try:
            return ast.parse(cleaned)
        except (SyntaxError, ValueError):
            return None


def asking_calls(source: str):
    """``(method, call)`` for every ``<x>.single_choice("id", ...)``-style call in ``source``."""
    tree = _parse(source)
    if tree is None:
        return
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ASKING_METHODS
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.func.attr, node


def required_ids(source: str) -> list[str]:
    """The question ids a check cell reads with ``hw.require("id")`` or ``hw.grade("id", ...)``."""
    tree = _parse(source)
    if tree is None:
        return []
    ids = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("require", "grade", "value_of")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            ids.append(node.args[0].value)
    return ids


def assignment_name(nb: dict) -> str | None:
    """The name in the notebook's ``Assignment("NN-slug")`` call, or None (a lesson)."""
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code" or "Assignment" not in source_of(cell):
            continue
        tree = _parse(source_of(cell))
        for node in ast.walk(tree) if tree else ():
            func = getattr(node, "func", None)
            name = getattr(func, "id", None) or getattr(func, "attr", None)
            if (
                isinstance(node, ast.Call)
                and name == "Assignment"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                return node.args[0].value
    return None


def literal_names(nb: dict) -> dict:
    """Module-level ``NAME = <literal>`` assignments (e.g. ``MOVE_KINDS = [...]``)."""
    names = {}
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        tree = _parse(source_of(cell))
        for node in tree.body if tree else ():
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
            ):
                try:
                    names[node.targets[0].id] = ast.literal_eval(node.value)
                except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                    pass
    return names


def evaluate_literal(node, names: dict):
    """The value of ``node``: a name bound by :func:`literal_names`, or a literal."""
    if isinstance(node, ast.Name) and node.id in names:
        return names[node.id]
    return ast.literal_eval(node)


def build_question(method: str, call: ast.Call, names: dict) -> Question | None:
    """The question a literal ``hw.<method>(...)`` call asks, or None if it is not literal.

    Built by :func:`aicareer.questions.question_asked`, as the running binder builds it.
    """
    try:
        args = [evaluate_literal(a, names) for a in call.args]
        kwargs = {k.arg: evaluate_literal(k.value, names) for k in call.keywords if k.arg}
        question, _options = question_asked(method, *args, **kwargs)
    except (ValueError, TypeError, SyntaxError, InvalidAnswer, MemoryError, RecursionError):
        return None
    return question


def literal_questions(nb: dict) -> dict[str, Question]:
    """Every question the code cells of ``nb`` ask with literal arguments, by id.

    Any ``<x>.<asking method>(...)`` call counts, tagged cell or not (a source notebook
    is read as its author wrote it); a call whose arguments are not literals (or names
    bound to literals, see :func:`literal_names`) is left out. When two calls ask the
    same id, the later one wins.
    """
    names = literal_names(nb)
    questions = {}
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        tree = _parse(source_of(cell))
        for node in ast.walk(tree) if tree else ():
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ASKING_METHODS
            ):
                question = build_question(node.func.attr, node, names)
                if question is not None:
                    questions[question.id] = question
    return questions


def _heading_title(text: str, number: str) -> str:
    """The words after ``Question N.N —`` in a markdown heading of ``text``, if any."""
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("#") and re.search(rf"\bQuestion\s+{re.escape(number)}\b", line):
            rest = re.split(rf"Question\s+{re.escape(number)}\s*", line, maxsplit=1)[-1]
            rest = re.sub(r"\(graded by hand[^)]*\)", "", rest)
            return rest.strip(" —–-:*`").replace("`", "")
    return ""


def _label(number: str | None, title: str = "", fallback: str = "") -> str:
    if number:
        return f"Question {number}" + (f" ({title})" if title else "")
    return fallback


@dataclass
class WidgetQuestion:
    """A widget question the notebook asks."""

    id: str
    kind: str
    label: str
    cell: int
    question: Question | None = None  # rebuilt from literals, when they are literal


@dataclass
class CodeExercise:
    """A cell where the learner writes code."""

    label: str
    cell: int
    functions: tuple[str, ...]
    written: bool  # no longer the release stub (raise NotImplementedError)
    has_code: bool = False  # code besides the signature, docstring and stub


@dataclass
class Reflection:
    """A prompt graded by hand and the markdown cell below it where the learner writes."""

    label: str
    cell: int
    written: bool  # holds an answer, and at least half the words the task asks for
    words: int = 0  # words in the answer, without the placeholder
    asks: tuple[int, int] | None = None  # the length the task asks for, in words

    def length_note(self) -> str:
        """ "3 words written; the question asks for 120 to 250" when the answer has words
        and the task asks for a length the answer misses; otherwise ''."""
        if not self.asks or not self.words or self.asks[0] <= self.words <= self.asks[1]:
            return ""
        noun = "word" if self.words == 1 else "words"
        return (
            f"{self.words} {noun} written; the question asks for {self.asks[0]} to {self.asks[1]}"
        )


@dataclass
class NotebookContents:
    """Everything a notebook asks of the learner, in notebook order."""

    assignment: str | None = None
    widget_questions: list[WidgetQuestion] = field(default_factory=list)
    code_exercises: list[CodeExercise] = field(default_factory=list)
    reflections: list[Reflection] = field(default_factory=list)
    practice_ids: list[str] = field(default_factory=list)


def raises_not_implemented(source: str) -> bool:
    """True if ``source`` still raises ``NotImplementedError`` (nbgrader's stub)."""
    tree = _parse(source)
    if tree is None:
        return re.search(r"^\s*raise\s+NotImplementedError\b", source, re.M) is not None
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and node.exc is not None:
            target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if isinstance(target, ast.Name) and target.id == "NotImplementedError":
                return True
    return False


def _is_filler(node) -> bool:
    """A statement that is not code of the learner's: a docstring, ``pass``, ``...`` or
    the ``raise NotImplementedError`` stub."""
    if isinstance(node, ast.Pass):
        return True
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
        return isinstance(node.value.value, str) or node.value.value is Ellipsis
    if isinstance(node, ast.Raise) and node.exc is not None:
        target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
        return isinstance(target, ast.Name) and target.id == "NotImplementedError"
    return False


def has_own_code(source: str) -> bool:
    """True if ``source`` holds code besides function signatures, docstrings and the
    release stub: the learner has written something (a cell that does not parse, and is
    not the stub alone, counts too)."""
    tree = _parse(source)
    if tree is None:
        return any(
            line.strip() and not line.lstrip().startswith("#") and "NotImplementedError" not in line
            for line in source.splitlines()
        )
    for node in tree.body:
        body = node.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) else [node]
        if any(not _is_filler(statement) for statement in body):
            return True
    return False


def word_count(text: str) -> int:
    """The words in a written answer, not counting the placeholder sentence."""
    return len(WORD.findall(PLACEHOLDER_TEXT.sub(" ", text)))


def asked_length(task_text: str) -> tuple[int, int] | None:
    """The number of words a task asks for ("120 to 250 words"), read from its prompt
    (not from its mark scheme); None if it names no range."""
    prompt = re.split(r"#+\s*BEGIN MARK SCHEME", task_text, maxsplit=1)[0]
    match = WORD_RANGE.search(prompt)
    if not match:
        return None
    low, high = (int(group.replace(",", "")) for group in match.groups())
    return (low, high) if 0 < low <= high else None


def defined_functions(source: str) -> tuple[str, ...]:
    """Names of the functions a cell defines at its top level."""
    tree = _parse(source)
    return tuple(
        node.name
        for node in (tree.body if tree else ())
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    )


def answer_is_empty(text: str) -> bool:
    """True for a reflection answer cell nobody has written in yet."""
    lines = [line.strip().strip("*_").strip() for line in text.strip().splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        return True
    return len(lines) == 1 and any(p.search(lines[0]) for p in PLACEHOLDERS)


def _question_number(text: str) -> str | None:
    match = QUESTION_NUMBER.search(text)
    return match.group(1) if match else None


def _widget_label(cells: list, index: int, question_id: str) -> str:
    """``Question 1.2 (name the move)``: the id and the title of its heading just above."""
    if not re.fullmatch(r"\d+(\.\d+)*", question_id):
        return f"question {question_id!r}"
    for cell in reversed(cells[max(0, index - 3) : index]):
        if cell.get("cell_type") == "markdown":
            title = _heading_title(source_of(cell), question_id)
            if title:
                return _label(question_id, title)
    return _label(question_id)


def _exercise_number(cells: list, index: int) -> str | None:
    """The question number of the code exercise at ``index``: from the docstring of the
    first test cell after it, else from the nearest markdown heading above it."""
    for cell in cells[index + 1 :]:
        meta = nbgrader_meta(cell)
        if meta.get("solution"):
            break
        if meta.get("grade") and cell.get("cell_type") == "code":
            number = _question_number(source_of(cell).split("\n", 1)[0])
            if number:
                return number
    for cell in reversed(cells[:index]):
        if cell.get("cell_type") == "markdown":
            for line in source_of(cell).splitlines():
                if line.lstrip().startswith("#") and _question_number(line):
                    return _question_number(line)
    return None


def notebook_contents(nb: dict) -> NotebookContents:
    """What ``nb`` asks of the learner; see the module docstring for the conventions."""
    cells = nb.get("cells", [])
    contents = NotebookContents(assignment=assignment_name(nb))
    names = literal_names(nb)
    for index, cell in enumerate(cells):
        kind, source, meta = cell.get("cell_type"), source_of(cell), nbgrader_meta(cell)
        if kind == "markdown":
            if meta.get("task"):
                number = _question_number(source)
                following = cells[index + 1] if index + 1 < len(cells) else None
                writable = (
                    following is not None
                    and following.get("cell_type") == "markdown"
                    and not nbgrader_meta(following).get("task")
                )
                answer = source_of(following) if writable else ""
                words, asks = word_count(answer), asked_length(source)
                # Well short of what the task asks ("TODO") is not an answer yet.
                long_enough = asks is None or 2 * words >= asks[0]
                contents.reflections.append(
                    Reflection(
                        label=_label(
                            number,
                            _heading_title(source, number or ""),
                            f"the written answer after cell {index + 1}",
                        ),
                        cell=index,
                        written=writable and not answer_is_empty(answer) and long_enough,
                        words=words,
                        asks=asks,
                    )
                )
            continue
        if kind != "code":
            continue
        calls = list(asking_calls(source))
        if is_widget_question(cell):
            for method, call in calls:
                question_id = call.args[0].value
                contents.widget_questions.append(
                    WidgetQuestion(
                        id=question_id,
                        kind=ASKING_METHODS[method],
                        label=_widget_label(cells, index, question_id),
                        cell=index,
                        question=build_question(method, call, names),
                    )
                )
        elif meta.get("solution"):
            number = _exercise_number(cells, index)
            functions = defined_functions(source)
            title = ", ".join(functions)
            written = not raises_not_implemented(source)
            contents.code_exercises.append(
                CodeExercise(
                    label=_label(number, title, title or f"the code cell {index + 1}"),
                    cell=index,
                    functions=functions,
                    written=written,
                    has_code=written or has_own_code(source),
                )
            )
        elif contents.assignment is None:
            contents.practice_ids += [call.args[0].value for _, call in calls]
    if contents.assignment is not None:
        contents.practice_ids = []
    else:
        contents.practice_ids = list(dict.fromkeys(contents.practice_ids))
    return contents


def is_unticked(kind: str, value) -> bool:
    """True for an answer saved with nothing chosen (a multiple choice with nothing
    ticked): saved, but no answer yet."""
    return isinstance(kind, str) and kind in BY_KIND and BY_KIND[kind].nothing_chosen(value)


def is_partly_answered(question: Question | None, value) -> bool:
    """True for an answer that leaves part of the question open (a matching with
    items not matched yet)."""
    return question is not None and question.leaves_open(value)


def answer_state(question: WidgetQuestion, entry: Entry | None) -> str:
    """``"answered"``, ``"partly"``, ``"unticked"`` (a multiple choice with nothing ticked)
    or ``"missing"`` for one widget question and its saved entry."""
    if entry is None or entry.value is None:
        return "missing"
    if entry.kind != question.kind:
        return "missing"
    if is_unticked(question.kind, entry.value):
        return "unticked"
    if question.question is not None:
        try:
            value = question.question.check(entry.value)
        except InvalidAnswer:
            return "missing"
        if is_partly_answered(question.question, value):
            return "partly"
    return "answered"


def written_in_kernel(function) -> bool | None:
    """Whether a function defined in the kernel is more than the stub; None if unknown."""
    try:
        source = inspect.getsource(function)
    except (OSError, TypeError):
        return None
    return not raises_not_implemented(textwrap.dedent(source))
