"""Module 8's "Looking back": a made-up workspace for where there is none, read by the
same progress reader as the start page, and the lesson's way of finding a real one."""

import tempfile
from pathlib import Path

import pytest

from aicareer.course import MODULES
from aicareer.progress import (
    ALL,
    EXAMPLE_LEARNER,
    WORKSPACE_MARK,
    course_progress,
    example_workspace,
    module_sizes,
    workspace_of,
)
from aicareer.workspace import sync
from tests.helpers.course import ROOT


def sizes_and_done(row):
    """(practice, questions, code, reflections) a module asks, and how many of each are done."""
    sizes = (row.practice, row.questions, row.code, row.reflections)
    done = (row.practice_reached, row.answered, row.code_written, row.reflections_written)
    return sizes, done


def test_example_workspace_reads_back_as_its_made_up_learner(tmp_path):
    workspace = example_workspace(tmp_path / "example")
    rows = course_progress(workspace)
    assert [r.module for r in rows] == list(MODULES)
    for row, wanted in zip(rows, EXAMPLE_LEARNER, strict=True):
        sizes, done = sizes_and_done(row)
        assert sizes == module_sizes(row.module), row.module.slug
        expected = tuple(s if n == ALL else min(n, s) for n, s in zip(wanted, sizes, strict=True))
        assert done == expected, f"{row.module.slug}: expected {expected} done, read {done}"
        assert row.lesson_ran == (expected[0] > 0), row.module.slug


def test_example_workspace_asks_what_the_real_course_asks(tmp_path):
    """The stand-in notebooks read back with the sizes of a real learner's workspace."""
    sync(ROOT, tmp_path / "real")
    real = course_progress(tmp_path / "real")
    example = course_progress(example_workspace(tmp_path / "example"))
    for mine, theirs in zip(example, real, strict=True):
        assert sizes_and_done(mine)[0] == sizes_and_done(theirs)[0], mine.module.slug
        assert sizes_and_done(theirs)[0] != (0, 0, 0, 0), f"{mine.module.slug} asks nothing?"


def test_example_workspace_shows_every_stage_of_a_module():
    summaries = set()
    with tempfile.TemporaryDirectory() as folder:
        for row in course_progress(example_workspace(Path(folder))):
            summaries.add(row.summary().split(" · ")[0])
    assert {"lesson run", "not started"} <= summaries, summaries
    assert any(s.startswith("lesson started") for s in summaries), summaries


def test_example_workspace_is_the_same_every_time(tmp_path):
    first = example_workspace(tmp_path / "a")
    second = example_workspace(tmp_path / "b")
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    for name in files:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_example_workspace_takes_another_learner(tmp_path):
    nothing_done = [(0, 0, 0, 0)] * len(MODULES)
    rows = course_progress(example_workspace(tmp_path, nothing_done))
    assert all(r.summary() == "not started" for r in rows), [r.summary() for r in rows]
    everything = [(ALL, ALL, 99, ALL)] * len(MODULES)
    rows = course_progress(example_workspace(tmp_path / "all", everything))
    assert all(r.lesson_run and r.assignment_done for r in rows), [r.summary() for r in rows]


def test_example_workspace_needs_the_course_notebooks(tmp_path):
    with pytest.raises(FileNotFoundError, match="no course notebooks"):
        example_workspace(tmp_path / "example", course_dir=tmp_path / "no-course")


def test_workspace_of_finds_only_a_marked_workspace(tmp_path):
    (tmp_path / "lessons").mkdir()
    assert workspace_of(tmp_path / "lessons") is None, "no mark, no workspace"
    (tmp_path / WORKSPACE_MARK).write_text("{}")
    assert workspace_of(tmp_path / "lessons") == tmp_path
    assert workspace_of(tmp_path) is None, "only the lessons folder belongs to a workspace"
