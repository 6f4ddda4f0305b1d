"""The guards, one rule at a time and fast: submissions taken in without following links
or reading special files, within caps; files the kernel can write read safely; learner
text inert in the terminal, the CSV and as a folder name."""

import csv
import json
import os
import signal
import socket
import stat
from pathlib import Path

import pytest

from autograder.grading.collect import collect
from autograder.guards import files
from autograder.guards.files import (
    RefusedFile,
    folder_name_problem,
    read_regular_file,
    read_submission_file,
    remove_entry,
    take_submission,
)
from autograder.guards.text import one_line, terminal_text

ASSIGNMENT = "07-job-search"


@pytest.fixture(autouse=True)
def no_test_may_hang():
    """A read that blocks (on a FIFO, say) fails the test after 10 s instead of hanging."""

    def hung(signum, frame):
        raise TimeoutError("a read blocked")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(10)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def snapshot(folder: Path) -> dict:
    """Every entry under ``folder`` by lstat: kind, size, and link target."""
    found = {}
    for top, folders, names in os.walk(folder):
        for name in folders + names:
            path = Path(top) / name
            info = os.lstat(path)
            target = os.readlink(path) if stat.S_ISLNK(info.st_mode) else ""
            found[str(path.relative_to(folder))] = (stat.S_IFMT(info.st_mode), info.st_size, target)
    return found


@pytest.fixture
def course(tmp_path):
    """A course with a secret, a classmate, and one learner's submission folder."""
    (tmp_path / "secret.txt").write_text("the secret")
    classmate = tmp_path / "submitted" / "classmate" / ASSIGNMENT
    classmate.mkdir(parents=True)
    (classmate / f"{ASSIGNMENT}.ipynb").write_text('{"cells": "classmate"}')
    mine = tmp_path / "submitted" / "learner" / ASSIGNMENT
    mine.mkdir(parents=True)
    (mine / f"{ASSIGNMENT}.ipynb").write_text('{"cells": []}')
    (mine / "data").mkdir()
    (mine / "data" / "table.csv").write_text("a,b\n1,2\n")
    return tmp_path


def take(course: Path, student: str = "learner"):
    into = course / "staging" / student / ASSIGNMENT
    intake = take_submission(
        course / "submitted" / student / ASSIGNMENT, into, trusted=course / "submitted"
    )
    return intake, into


def reasons(intake) -> dict[str, str]:
    return {refusal.path: refusal.reason for refusal in intake.refused}


def test_regular_files_are_taken_and_the_original_is_unchanged(course):
    folder = course / "submitted" / "learner" / ASSIGNMENT
    (folder / "link.csv").symlink_to(course / "secret.txt")
    os.mkfifo(folder / "pipe")
    before = snapshot(folder)
    intake, into = take(course)
    assert intake.taken == [f"{ASSIGNMENT}.ipynb", "data/table.csv"], intake.taken
    assert (into / "data" / "table.csv").read_text() == "a,b\n1,2\n"
    assert snapshot(folder) == before, "expected the learner's folder left exactly as it was"


@pytest.mark.parametrize(
    "make, says",
    [
        (lambda f, c: (f / "abs.csv").symlink_to(c / "secret.txt"), "a symbolic link to"),
        (lambda f, c: (f / "rel.csv").symlink_to("../../../secret.txt"), "../../../secret.txt"),
        (lambda f, c: (f / "dir").symlink_to(c / "submitted" / "classmate"), "a symbolic link"),
        (lambda f, c: (f / "zero").symlink_to("/dev/zero"), "'/dev/zero'"),
        (lambda f, c: os.link(c / "secret.txt", f / "hard.txt"), "a hard link"),
        (lambda f, c: os.mkfifo(f / "fifo"), "a FIFO"),
        (lambda f, c: socket.socket(socket.AF_UNIX).bind(str(f / "sock")), "a socket"),
    ],
    ids=[
        "absolute link",
        "relative link",
        "folder link",
        "link to a device",
        "hard link",
        "fifo",
        "socket",
    ],
)
def test_each_kind_of_entry_that_is_not_a_regular_file_is_refused_and_named(course, make, says):
    folder = course / "submitted" / "learner" / ASSIGNMENT
    make(folder, course)
    intake, into = take(course)
    (name,) = [p for p in reasons(intake)]
    assert says in reasons(intake)[name], f"expected {says!r} for {name}, got {intake.refused}"
    assert not (into / name).exists() and not (into / name).is_symlink(), f"{name} was copied"
    assert "the secret" not in "".join(p.read_text() for p in into.rglob("*") if p.is_file())


@pytest.mark.skipif(os.geteuid() != 0, reason="only root may make a device node")
def test_a_device_file_is_refused_without_being_opened(course):
    folder = course / "submitted" / "learner" / ASSIGNMENT
    os.mknod(folder / "zeros", stat.S_IFCHR | 0o644, os.makedev(1, 5))
    intake, _ = take(course)
    assert reasons(intake) == {"zeros": "a device file (not read)"}, intake.refused


def test_a_blank_hand_in_linking_a_classmates_notebook_gets_no_notebook(course):
    folder = course / "submitted" / "learner" / ASSIGNMENT
    (folder / f"{ASSIGNMENT}.ipynb").unlink()
    (folder / f"{ASSIGNMENT}.ipynb").symlink_to(
        Path("..", "..", "classmate", ASSIGNMENT, f"{ASSIGNMENT}.ipynb")
    )
    intake, into = take(course)
    assert not (into / f"{ASSIGNMENT}.ipynb").exists(), "expected the link not followed"
    assert "a symbolic link" in intake.refusal_of(f"{ASSIGNMENT}.ipynb").reason


@pytest.mark.parametrize("level", ["student", "assignment"])
def test_a_submission_folder_that_is_a_link_is_refused_whole(course, level):
    target = course / "submitted" / "classmate"
    link = course / "submitted" / "linked"
    if level == "student":
        link.symlink_to(target)
    else:
        link.mkdir()
        (link / ASSIGNMENT).symlink_to(target / ASSIGNMENT)
    intake, into = take(course, "linked")
    assert intake.taken == [], f"expected nothing taken, got {intake.taken}"
    assert "a symbolic link" in intake.refusal_of(".").reason, intake.refused
    with pytest.raises(RefusedFile):
        read_submission_file(link / ASSIGNMENT, f"{ASSIGNMENT}.ipynb", 1000)


def test_a_sparse_file_of_many_gib_is_refused_by_its_size_without_being_read(course):
    folder = course / "submitted" / "learner" / ASSIGNMENT
    with open(folder / "huge.bin", "wb") as huge:
        huge.truncate(50 * 2**30)
    intake, into = take(course)
    assert intake.refusal_of("huge.bin").too_large, intake.refused
    assert intake.caps_hit and "64.0 MiB" in intake.caps_hit[0], intake.caps_hit
    assert intake.bytes_taken < 1000, f"expected only the small files copied: {intake.bytes_taken}"


def test_a_notebook_over_its_cap_is_refused_and_said_to_be_too_large(course, monkeypatch):
    monkeypatch.setattr(files, "MAX_NOTEBOOK_BYTES", 100)
    folder = course / "submitted" / "learner" / ASSIGNMENT
    (folder / f"{ASSIGNMENT}.ipynb").write_text(" " * 101)
    intake, into = take(course)
    refusal = intake.refusal_of(f"{ASSIGNMENT}.ipynb")
    assert refusal.too_large and "for a notebook" in refusal.reason, refusal


def test_files_past_the_count_cap_are_left_out_but_the_notebook_is_always_taken(course):
    folder = course / "submitted" / "learner" / ASSIGNMENT
    for number in range(files.MAX_ENTRIES_SEEN + 50):
        (folder / f"a{number:05}.txt").write_bytes(b"x")
    intake, into = take(course)
    assert intake.taken[0] == f"{ASSIGNMENT}.ipynb", intake.taken[:3]
    assert len(intake.taken) == files.MAX_FILES, len(intake.taken)
    assert any("past the 200" in cap for cap in intake.caps_hit), intake.caps_hit
    assert any("entries" in cap for cap in intake.caps_hit), intake.caps_hit


def test_folders_nested_too_deep_are_refused(course):
    deep = course / "submitted" / "learner" / ASSIGNMENT
    for level in range(files.MAX_DEPTH + 2):
        deep = deep / f"d{level}"
    deep.mkdir(parents=True)
    (deep / "x.txt").write_text("x")
    intake, _ = take(course)
    assert any("nested deeper" in r.reason for r in intake.refused), intake.refused


def test_a_read_is_capped_by_what_is_read_not_by_the_size_the_file_claims():
    # /proc files say they are 0 bytes long and are not.
    with pytest.raises(RefusedFile) as refused:
        read_regular_file(Path("/proc/self/status"), 10)
    assert refused.value.too_large, refused.value.reason


@pytest.mark.parametrize("kind", ["link", "fifo", "folder", "hard link"])
def test_reading_a_kernel_writable_file_never_follows_blocks_or_trusts_it(tmp_path, kind):
    ipc = tmp_path / "ipc"
    ipc.mkdir()
    (tmp_path / "host-secret").write_text("host secret")
    note = ipc / "note.txt"
    {
        "link": lambda: note.symlink_to(tmp_path / "host-secret"),
        "fifo": lambda: os.mkfifo(note),
        "folder": lambda: note.mkdir(),
        "hard link": lambda: os.link(tmp_path / "host-secret", note),
    }[kind]()
    with pytest.raises(RefusedFile):
        read_regular_file(note, 4096, trusted=tmp_path)


def test_the_limit_note_is_read_safely_and_as_one_line(tmp_path):
    from autograder.sandbox.manager import LIMIT_NOTE, SandboxedKernelManager

    manager = SandboxedKernelManager()
    manager._scratch = tmp_path
    (tmp_path / "ipc").mkdir()
    note = tmp_path / "ipc" / LIMIT_NOTE
    note.write_text("memory limit\x1b]0;title\x07 reached\nforged line")
    assert manager.limit_note() == "memory limit reached forged line"
    note.unlink()
    os.mkfifo(note)
    assert manager.limit_note() == "", "expected a FIFO refused without waiting"
    note.unlink()
    (tmp_path / "secret").write_text("secret")
    note.symlink_to(tmp_path / "secret")
    assert manager.limit_note() == "", "expected a link not followed"


@pytest.mark.parametrize("swap", ["fifo", "link", "folder"])
def test_a_connection_file_swapped_by_the_kernel_is_rewritten_without_being_opened(tmp_path, swap):
    from autograder.sandbox.manager import SandboxedKernelManager

    (tmp_path / "ipc").mkdir()
    (tmp_path / "host-file").write_text("not json")
    manager = SandboxedKernelManager(transport="ipc")
    manager._scratch, manager._isolated = tmp_path, True
    manager.ip = str(tmp_path / "ipc" / "k")
    manager.connection_file = str(tmp_path / "ipc" / "kernel.json")
    manager.write_connection_file()
    info = manager.get_connection_info()
    path = Path(manager.connection_file)
    path.unlink()
    {
        "fifo": lambda: os.mkfifo(path),
        "link": lambda: path.symlink_to(tmp_path / "host-file"),
        "folder": lambda: path.mkdir(),
    }[swap]()
    manager._reconcile_connection_info(info)
    assert stat.S_ISREG(os.lstat(path).st_mode), "expected a regular connection file again"
    assert json.loads(path.read_text())["key"] == info["key"].decode()
    assert (tmp_path / "host-file").read_text() == "not json", "expected the host file untouched"


def test_remove_entry_removes_a_link_not_its_target(tmp_path):
    (tmp_path / "target").mkdir()
    (tmp_path / "target" / "keep.txt").write_text("keep")
    (tmp_path / "link").symlink_to(tmp_path / "target")
    remove_entry(tmp_path / "link")
    assert (tmp_path / "target" / "keep.txt").exists() and not (tmp_path / "link").is_symlink()


@pytest.mark.parametrize(
    "name", ["..", ".", "", "a/b", "a\\b", "a\0b", "a\x1bb", ".hidden", "\u202eevil", "a\nb", " a"]
)
def test_a_student_id_that_is_not_a_plain_folder_name_is_refused(name):
    assert folder_name_problem(name), f"expected {name!r} refused"


@pytest.mark.parametrize("name", ["zoë-学生", "amara", "o'brien", "=HYPERLINK(1)", "a b"])
def test_any_plain_folder_name_in_any_script_is_allowed(name):
    assert folder_name_problem(name) is None, f"expected {name!r} allowed"


def test_terminal_text_keeps_the_words_and_drops_what_a_terminal_obeys():
    text = "a\x1b]0;title\x07b\x1b[2Kc\x1b]52;c;cHduZWQ=\x1b\\d\u202ee\x9bf\x00g\x7fh\u2028i"
    assert terminal_text(text) == "abcdef g".replace(" ", "") + "h i", terminal_text(text)
    assert terminal_text("one\ntwo\rthree\tfour") == "one two three four"
    assert terminal_text("one\ntwo", keep_newlines=True) == "one\ntwo"
    assert one_line("x" * 50, 10) == "x" * 9 + "…"


def test_the_grades_csv_shows_formula_like_cells_as_text(tmp_path):
    from autograder.reports.grades_csv import write_csv

    row = {"student": '=HYPERLINK("x")', "detail": "@SUM(A1)", "flags": "+1", "score": 3}
    path = write_csv(tmp_path / "grades.csv", [row])
    (read,) = csv.DictReader(open(path, encoding="utf-8"))
    assert (read["student"], read["detail"], read["flags"], read["score"]) == (
        '\'=HYPERLINK("x")',
        "'@SUM(A1)",
        "'+1",
        "3",
    ), read


def test_print_summary_prints_learner_text_without_control_characters(capsys):
    from autograder.cli import print_summary
    from autograder.grading.class_grades import ClassGrades

    result = ClassGrades(ASSIGNMENT)
    result.rows = [
        {
            "student": "x\x1b]0;t\x07y",
            "status": "timeout",
            "detail": "a\r\n  needs a look: z",
            "flags": "",
        },
        {"student": "\u202eq", "status": "ok", "detail": "", "flags": "b\x1b[2Kc"},
    ]
    print_summary(result)
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\u202e" not in out and "\r" not in out, repr(out)
    looks = [line for line in out.splitlines() if "needs a look" in line]
    assert looks == [
        "  needs a look: xy: timeout (a    needs a look: z)",
        "  needs a look: q: flagged (bc)",
    ], looks


def test_collect_skips_links_special_files_and_ids_that_are_not_folder_names(tmp_path):
    course = tmp_path / "course"
    (course / "submitted").mkdir(parents=True)
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    notebook = b'{"cells": []}'
    (uploads / f"zoë-学生_1_2_{ASSIGNMENT}.ipynb").write_bytes(notebook)
    (uploads / f".._1_2_{ASSIGNMENT}.ipynb").write_bytes(notebook)
    (uploads / f".hidden_1_2_{ASSIGNMENT}.ipynb").write_bytes(notebook)
    (uploads / f"esc\x1bx_1_2_{ASSIGNMENT}.ipynb").write_bytes(notebook)
    (tmp_path / "secret.txt").write_text("secret")
    (uploads / f"mallory_1_2_{ASSIGNMENT}.ipynb").symlink_to(tmp_path / "secret.txt")
    os.mkfifo(uploads / f"fifo_1_2_{ASSIGNMENT}.ipynb")
    (uploads / "nested").symlink_to(tmp_path)
    found = collect(course, ASSIGNMENT, uploads)
    assert found.students == ["zoë-学生"], found
    skipped = "\n".join(found.skipped)
    for expected in (
        "'..'",
        "'.hidden'",
        "starts with a dot",
        "control",
        "symbolic link",
        "FIFO",
        "nested",
    ):
        assert expected in skipped, f"expected {expected!r} in {skipped}"
    assert sorted(p.name for p in (course / "submitted").iterdir()) == ["zoë-学生"]
    assert not (course / ASSIGNMENT).exists() and not (tmp_path / ASSIGNMENT).exists()


def test_collect_reads_canvas_late_uploads_in_either_case(tmp_path):
    """Canvas names a late upload ``<student>_late_<n>_<n>_<file>``: skipping it would
    lose exactly the late learners."""
    course = tmp_path / "course"
    (course / "submitted").mkdir(parents=True)
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    for name in ("amara_late_11_22", "bo_LATE_33_44", "chen_55_66"):
        (uploads / f"{name}_{ASSIGNMENT}.ipynb").write_bytes(b'{"cells": []}')
    found = collect(course, ASSIGNMENT, uploads)
    assert found.students == ["amara", "bo", "chen"], f"expected all three; got {found}"
    assert found.skipped == [], f"expected nothing skipped; got {found.skipped}"


def test_the_kernels_copy_of_graders_own_folder_keeps_the_rules_but_not_the_caps(course):
    folder = course / "submitted" / "learner" / ASSIGNMENT
    for number in range(files.MAX_FILES + 5):
        (folder / f"a{number:05}.txt").write_bytes(b"x")
    (folder / "link.csv").symlink_to(course / "secret.txt")
    into = course / "kernel-files"
    intake = take_submission(folder, into, capped=False, leave_out=("*.ipynb",))
    assert len(intake.taken) == files.MAX_FILES + 6, len(intake.taken)  # + data/table.csv
    assert not (into / f"{ASSIGNMENT}.ipynb").exists(), "expected notebooks left out"
    assert list(reasons(intake)) == ["link.csv"], intake.refused


def test_a_notebook_of_too_many_cells_is_refused_before_nbgrader_parses_it(course):
    folder = course / "submitted" / "learner" / ASSIGNMENT
    cells = [{"cell_type": "code", "source": "1"}] * (files.MAX_NOTEBOOK_CELLS + 1)
    (folder / f"{ASSIGNMENT}.ipynb").write_text(json.dumps({"cells": cells}))
    intake, into = take(course)
    refusal = intake.refusal_of(f"{ASSIGNMENT}.ipynb")
    assert refusal is not None and refusal.too_large and "1,001 cells" in refusal.reason, refusal
    assert not (into / f"{ASSIGNMENT}.ipynb").exists()


def test_a_print_flushed_in_pieces_is_one_output_in_the_graded_notebook():
    from nbformat.v4 import new_code_cell, new_output

    from autograder.preprocessors.execute import _join_adjacent_streams

    cell = new_code_cell("print(1, 'a')")
    cell.outputs = [
        new_output("stream", name="stdout", text="1"),
        new_output("stream", name="stdout", text=" a\n"),
        new_output("stream", name="stderr", text="warning\n"),
        new_output("execute_result", data={"text/plain": "3"}, execution_count=1),
        new_output("stream", name="stdout", text="after\n"),
    ]
    _join_adjacent_streams(cell)
    shown = [(o.output_type, o.get("name"), o.get("text")) for o in cell.outputs]
    assert shown == [
        ("stream", "stdout", "1 a\n"),
        ("stream", "stderr", "warning\n"),
        ("execute_result", None, None),
        ("stream", "stdout", "after\n"),
    ], f"expected only the pieces in a row joined, got {shown}"
