"""Fast checks of the defences against points without right answers: the strict rule for
what a test cell earns, the comparison of the kernel's hooks, the canary, and the
widget questions the grader scores itself from the hand-in."""

import json

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from autograder.guards import kernel_probe, trusted_scores
from autograder.preprocessors.strict_grades import strict_grade
from tests.helpers.course import ROOT, SOLUTION_REGION

SOURCE_07 = ROOT / "source" / "07-job-search" / "07-job-search.ipynb"


def graded_cell(outputs, points=2, ran=True):
    cell = new_code_cell("assert something()")
    cell.outputs = [nbformat.from_dict(output) for output in outputs]
    cell.metadata["nbgrader"] = {
        "grade": True,
        "solution": False,
        "locked": True,
        "grade_id": "test_it",
        "points": points,
    }
    cell.execution_count = 7 if ran else None
    return cell


def result(text, **more):
    return new_output("execute_result", data={"text/plain": text, **more}, execution_count=7)


def printed(text, name="stdout"):
    return new_output("stream", name=name, text=text)


def error(name="AssertionError", value="wrong"):
    return new_output("error", ename=name, evalue=value, traceback=[])


@pytest.mark.parametrize(
    "outputs, expected",
    [
        ([], 2),
        ([printed("checking...\n")], 2),
        ([printed("Question 1.3: partly right.\n"), result("1.333333")], 1.333333),
        ([result("2.0")], 2),
        ([result("0")], 0),
    ],
)
def test_what_our_test_cells_produce_earns_what_nbgrader_gives(outputs, expected):
    earned, possible = strict_grade(graded_cell(outputs))
    assert (earned, possible) == (pytest.approx(expected), 2), (
        f"expected {expected} of 2 for {outputs}, got {earned} of {possible}"
    )


@pytest.mark.parametrize(
    "name, outputs",
    [
        ("a text result before the error", [result("'ok'"), error()]),
        ("a number before the error", [result("2.0"), error()]),
        ("a text result alone", [result("'all good'")]),
        ("a result then more output", [result("2"), printed("done\n")]),
        ("two results", [result("1"), result("1")]),
        ("a result above the cell's points", [result("50")]),
        ("a negative result", [result("-1")]),
        ("a result that is not finite", [result("inf")]),
        ("a result with rich data", [result("2", **{"text/html": "<b>2</b>"})]),
        ("a display before the result", [new_output("display_data", data={}), result("2")]),
        ("stderr", [printed("oops", name="stderr")]),
        ("an error alone", [error()]),
        ("an error after output", [printed("fine\n"), error("KeyError", "x")]),
        ("an output kind of no test", [{"output_type": "execute_reply"}]),
    ],
)
def test_outputs_no_test_of_ours_produces_earn_nothing(name, outputs):
    earned, _ = strict_grade(graded_cell(outputs))
    assert earned == 0, f"{name}: expected 0 points, got {earned}"


def test_a_test_cell_that_never_ran_earns_nothing():
    earned, _ = strict_grade(graded_cell([], ran=False))
    assert earned == 0, f"a cell with no execution count earned {earned}"


def test_written_answers_keep_nbgraders_rule():
    cell = nbformat.v4.new_markdown_cell("My reflection")
    cell.metadata["nbgrader"] = {"grade": True, "solution": True, "grade_id": "r", "points": 3}
    assert strict_grade(cell) == (None, 3), "a written answer is left to a person"


# --- the kernel probe ----------------------------------------------------------------
BASELINE = {
    "custom_exceptions": [],
    "ast_transformers": [],
    "events": {"post_run_cell": [], "pre_run_cell": []},
    "sys.excepthook": "sys.excepthook",
    "shell methods": {"run_cell": "ipykernel.zmqshell.ZMQInteractiveShell.run_cell"},
    "builtins": {"print": "builtins.print"},
    "shell instance": [],
}


def changed(**parts):
    report = json.loads(json.dumps(BASELINE))
    report.update(parts)
    return report


def test_an_unchanged_kernel_has_no_hook_changes():
    assert kernel_probe.hook_changes(BASELINE, changed()) == [], "same report, no change"


@pytest.mark.parametrize(
    "parts, named",
    [
        ({"custom_exceptions": ["builtins.AssertionError"]}, "custom_exceptions"),
        ({"ast_transformers": ["__main__.Rewrite"]}, "ast_transformers: __main__.Rewrite"),
        ({"events": {"post_run_cell": ["__main__.emit"]}}, "events.post_run_cell"),
        ({"sys.excepthook": "__main__.hook"}, "sys.excepthook: __main__.hook"),
        ({"shell methods": {"run_cell": "__main__.run"}}, "shell methods.run_cell"),
        ({"builtins": {"print": "__main__.print"}}, "builtins.print: __main__.print"),
        ({"shell instance": ["showtraceback"]}, "shell instance: showtraceback"),
    ],
)
def test_each_kind_of_hook_that_appears_is_named(parts, named):
    changes = kernel_probe.hook_changes(BASELINE, changed(**parts))
    assert any(named in line for line in changes), f"expected a line naming {named}: {changes}"


def test_the_course_libraries_own_hooks_are_not_reported():
    events = {"post_execute": ["matplotlib_inline.backend_inline.flush_figures"]}
    assert kernel_probe.hook_changes(BASELINE, changed(events=events)) == [], (
        "matplotlib's inline backend registers flush_figures in every plotting notebook"
    )


def test_hooks_that_went_away_are_not_reported():
    report = changed(events={})
    assert kernel_probe.hook_changes(changed(events={"x": ["a.b"]}), report) == []


def test_names_from_the_kernel_are_cut_short_and_printable():
    report = changed(ast_transformers=["\x1b]0;owned\x07" + "x" * 500])
    (line,) = kernel_probe.hook_changes(BASELINE, report)
    assert "\x1b" not in line and "\x07" not in line, f"control characters kept: {line!r}"
    assert len(line) <= kernel_probe.MAX_NAME_CHARS, f"{len(line)} characters kept"


def canary_outputs(code, **reply_change):
    reply = {"content": {"status": "error", "ename": "AssertionError", "evalue": code.canary}}
    reply["content"].update(reply_change)
    outputs = [
        {"output_type": "stream", "name": "stdout", "text": kernel_probe.REPORT_MARK + "d1 {}\n"},
        {"output_type": "error", "ename": "AssertionError", "evalue": code.canary},
    ]
    return outputs, reply


def test_a_kernel_that_shows_the_canary_error_passes():
    code = kernel_probe.probe_code("abc", 3, with_canary=True)
    assert kernel_probe.canary_problems(code, *canary_outputs(code)) == []
    report = kernel_probe.read_report(canary_outputs(code)[0])
    assert report == kernel_probe.Report({}, "d1"), f"the report is read back, got {report}"


def said(line: str) -> list[dict]:
    return [{"output_type": "stream", "name": "stdout", "text": line + "\n"}]


def test_a_report_said_to_be_the_baselines_is_the_baseline_only_with_its_digest():
    baseline = kernel_probe.Report({"events": {}}, "abc123")
    same = kernel_probe.read_report(said(kernel_probe.SAME_MARK + "abc123"), baseline)
    assert same is baseline, f"the baseline's digest gives the baseline back, got {same}"
    other = kernel_probe.read_report(said(kernel_probe.SAME_MARK + "ffff"), baseline)
    assert other is None, f"another digest counts as no report, got {other}"
    alone = kernel_probe.read_report(said(kernel_probe.SAME_MARK + "abc123"))
    assert alone is None, f"with no baseline to be the same as, no report, got {alone}"


def test_a_probe_says_same_only_when_its_report_has_the_baselines_digest():
    """The probe run for real (outside a kernel, with a stand-in shell): the first run
    prints the full report; given that report's digest, the next prints one short line."""
    import contextlib
    import io

    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    outputs = []
    for number, same_as in ((1, ""), (2, None)):
        if same_as is None:
            same_as = outputs[0].digest
        code = kernel_probe.probe_code("abc", number, with_canary=False, same_as=same_as)
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            shell.run_cell(code.source, store_history=False)
        baseline = outputs[0] if outputs else None
        outputs.append(kernel_probe.read_report(said(printed.getvalue().strip()), baseline))
        if number == 2:
            assert printed.getvalue().startswith(kernel_probe.SAME_MARK), printed.getvalue()[:200]
    first, second = outputs
    assert first is not None and "builtins" in first.hooks, "the first run gives a full report"
    assert second is first, "the second, unchanged, is the baseline by its digest"


def test_the_canary_carries_the_runs_nonce_and_is_compiled_code():
    code = kernel_probe.probe_code(kernel_probe.new_nonce(), 1, with_canary=True)
    compile(code.source, "<probe>", "exec")
    assert code.canary in code.source and len(code.canary) > 30, code.canary
    assert kernel_probe.new_nonce() != kernel_probe.new_nonce(), "a fresh nonce each run"


@pytest.mark.parametrize(
    "outputs, reply_change, says",
    [
        ([], {}, "no error"),  # swallowed (custom exception handler)
        ([{"output_type": "error", "ename": "AssertionError", "evalue": "other"}], {}, "other"),
        (
            [
                {"output_type": "execute_result", "data": {}},
                {"output_type": "error", "ename": "AssertionError", "evalue": None},
            ],
            {},
            "execute_result",
        ),
        (None, {"status": "ok"}, "answered 'ok'"),
        (None, {"evalue": "other"}, "another error"),
    ],
)
def test_a_kernel_that_hides_or_changes_the_canary_error_fails(outputs, reply_change, says):
    code = kernel_probe.probe_code("abc", 3, with_canary=True)
    good_outputs, reply = canary_outputs(code, **reply_change)
    if outputs is None:
        outputs = good_outputs
    for output in outputs:
        if output.get("evalue", "") is None:
            output["evalue"] = code.canary
    problems = kernel_probe.canary_problems(code, outputs, reply)
    assert any(says in p for p in problems), f"expected a problem naming {says!r}: {problems}"


def test_a_record_turns_into_flags_and_tampering():
    record = {
        "checks": 9,
        "tampering": ["a check that must fail showed no error"],
        "hook_changes": ["events.post_run_cell: __main__.emit"],
        "unanswered": [],
    }
    nb = new_notebook(metadata={kernel_probe.METADATA_KEY: record})
    assert kernel_probe.tampering_found(kernel_probe.record_of(nb)) == record["tampering"]
    (flag,) = kernel_probe.flags_from(record, "07.ipynb")
    assert "__main__.emit" in flag and flag.startswith("07.ipynb"), flag


def test_files_that_run_at_kernel_start_are_named(tmp_path):
    folder = tmp_path / "submitted" / "ada" / "07"
    folder.mkdir(parents=True)
    for name in ("07.ipynb", "sitecustomize.py", "numpy.py", "notes.txt"):
        (folder / name).write_text("x")
    (flag,) = kernel_probe.startup_files(folder, tmp_path / "submitted")
    assert "sitecustomize.py" in flag and "numpy.py" in flag and "notes" not in flag, flag


def test_a_linked_submission_folder_is_not_listed(tmp_path):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "secret.py").write_text("x")
    (tmp_path / "submitted" / "ada").mkdir(parents=True)
    (tmp_path / "submitted" / "ada" / "07").symlink_to(tmp_path / "elsewhere")
    assert (
        kernel_probe.startup_files(tmp_path / "submitted" / "ada" / "07", tmp_path / "submitted")
        == []
    )


# --- widget questions scored from the hand-in ----------------------------------------
RIGHT_1_2 = "Role switch"


def sheet(answers: dict) -> str:
    return json.dumps(
        {
            "format": "aicareer-answers",
            "version": 1,
            "assignment": "07-job-search",
            "answers": {
                qid: {"kind": kind, "value": value, "saved": "2026-11-23T10:00:00+00:00"}
                for qid, (kind, value) in answers.items()
            },
        }
    )


def hand_in(tmp_path, answers: dict, typed_cells=()):
    folder = tmp_path / "submitted" / "ada" / "07-job-search"
    folder.mkdir(parents=True)
    nb = nbformat.read(SOURCE_07, as_version=4)
    for cell in nb.cells:  # the student edition: no solution, so no typed answer
        cell.source = SOLUTION_REGION.sub("", cell.source)
    for source in typed_cells:
        nb.cells.append(new_code_cell(source))
    nbformat.write(nb, folder / "07-job-search.ipynb")
    (folder / "07-job-search.answers.json").write_text(sheet(answers))
    return folder


def scores(folder):
    found = trusted_scores.trusted_scores(SOURCE_07, folder, "07-job-search")
    return {score.cell: score.earned for score in found}


def test_every_widget_check_of_the_module_is_scored_here():
    cells = trusted_scores.scorable_cells(SOURCE_07)
    assert sorted(cells) == ["q1_2_check", "q1_3_check", "q3_1_check", "q3_2_check"], cells
    assert "test_classify_move_basic" not in cells, "code tests stay with the kernel"


def test_sheet_answers_are_scored_strictly(tmp_path):
    folder = hand_in(tmp_path, {"1.2": ("single", RIGHT_1_2), "3.1": ("single", "No difference")})
    got = scores(folder)
    assert got == {"q1_2_check": 1, "q1_3_check": 0, "q3_1_check": 0, "q3_2_check": 0}, got


def test_a_literal_typed_answer_counts_and_the_last_one_wins(tmp_path):
    folder = hand_in(
        tmp_path,
        {"1.2": ("single", "Both")},
        typed_cells=['hw.answer("1.2", "Neither")', f'hw.answer("1.2", {RIGHT_1_2!r})'],
    )
    assert scores(folder)["q1_2_check"] == 1, "the typed right answer is the learner's answer"


@pytest.mark.parametrize(
    "typed",
    [
        'if False:\n    hw.answer("1.2", "Role switch")',
        'def later():\n    hw.answer("1.2", "Role switch")',
        'hw.answer("1.2", "Role " + "switch")',
        'hw.answer("1." + "2", "Role switch")',
        'getattr(hw, "ans" + "wer")("1.2", "Role switch")',
        'hw.answer(*["1.2", "Role switch"])',
    ],
)
def test_a_typed_answer_that_cannot_be_read_never_earns_and_is_flagged(tmp_path, typed):
    folder = hand_in(tmp_path, {"1.2": ("single", "Both")}, typed_cells=[typed])
    assert scores(folder)["q1_2_check"] == 0, f"{typed!r} earned points the sheet does not give"
    nb = nbformat.read(folder / "07-job-search.ipynb", as_version=4)
    flags = trusted_scores.typed_answers(nb).unreadable
    spelt_away = "getattr" in typed
    assert bool(flags) != spelt_away, f"flags for {typed!r}: {flags}"


def test_a_linked_or_missing_sheet_is_worth_nothing(tmp_path):
    folder = hand_in(tmp_path, {"1.2": ("single", RIGHT_1_2)})
    real = tmp_path / "real.json"
    (folder / "07-job-search.answers.json").rename(real)
    (folder / "07-job-search.answers.json").symlink_to(real)
    assert scores(folder)["q1_2_check"] == 0, "a link is never read as the learner's sheet"
    (folder / "07-job-search.answers.json").unlink()
    assert scores(folder)["q1_2_check"] == 0, "no sheet, no points"
