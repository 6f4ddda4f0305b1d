"""nbgrader configuration: the repository root is the course directory."""

from pathlib import Path

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.converters.autograde import Autograde
from nbgrader.converters.generate_assignment import GenerateAssignment
from nbgrader.preprocessors import (
    ClearSolutions,
    DeduplicateIds,
    Execute,
    GetGrades,
    SaveAutoGrades,
)

from autograder.gradebook import quiet_gradebook_warnings
from autograder.preprocessors import (
    ClearSolutionsKeepWidgets,
    DeduplicateIdsCleanly,
    GuardedExecute,
    HideHiddenTests,
    NameFeedbackCells,
    SaveAutoGradesStrictly,
)
from autograder.reports import feedback

c = get_config()  # noqa: F821 - injected by nbgrader when it loads this file

# nbgrader's gradebook makes SQLAlchemy warn on every new submission although nothing is
# lost; every process that reads this file (nbgrader's commands, grading workers) stays quiet.
quiet_gradebook_warnings()

HERE = Path(__file__).resolve().parent

c.CourseDirectory.root = str(HERE)
c.CourseDirectory.course_id = "charting-a-career-in-ai"

# Widget question cells keep no "raise NotImplementedError()" stub in the student
# edition; everything else is nbgrader's own pipeline, in nbgrader's order.
c.GenerateAssignment.preprocessors = [
    ClearSolutionsKeepWidgets if step is ClearSolutions else step
    for step in GenerateAssignment.class_traits()["preprocessors"].default()
]

# A learner who deletes a test cell does not escape it: nbgrader puts it back.
c.OverwriteCells.add_missing_cells = True

# The answer sheet is the learner's; autograde must never replace it with a file of
# the same name from source/ (the release check refuses such a file as well).
c.Autograde.exclude_overwriting = {
    folder.name: [f"{folder.name}.answers.json"]
    for folder in sorted((HERE / "source").glob("*"))
    if folder.is_dir()
}
# Learners' code runs in a sandbox, under limits, and a dead or stuck kernel is restarted
# so that later cells are still graded (see autograder/preprocessors/execute.py and autograder/sandbox/).
# A test cell earns points only from outputs a test of ours can produce (no result shown
# before an error, no swallowed error: see autograder/preprocessors/strict_grades.py).
STEPS_SWAPPED_IN = {Execute: GuardedExecute, SaveAutoGrades: SaveAutoGradesStrictly}
c.Autograde.autograde_preprocessors = [
    STEPS_SWAPPED_IN.get(step, step)
    for step in Autograde.class_traits()["autograde_preprocessors"].default()
]
# A graded cell copied by the learner: graded once, the copy left as an ordinary cell.
c.Autograde.sanitize_preprocessors = [
    DeduplicateIdsCleanly if step is DeduplicateIds else step
    for step in Autograde.class_traits()["sanitize_preprocessors"].default()
]
c.Execute.timeout = 120  # seconds per cell
c.GuardedExecute.notebook_timeout = 900  # seconds per notebook
c.GuardedExecute.max_output_bytes = 100_000  # characters of text output kept per cell
c.GuardedExecute.max_image_bytes = 2_000_000  # characters of images (base64) kept per cell
# Every output has arrived when the last cell is done: stop the kernel at once rather
# than waiting a third of a second for a polite shutdown of each one.
c.GuardedExecute.shutdown_kernel = "immediate"
# One stream output per name and cell: how a kernel happens to flush a print (text and its
# newline in one message or two) must not change the graded notebook or the feedback.
c.GuardedExecute.coalesce_streams = True
c.LimitOutput.max_lines = 1000
c.SandboxedKernelManager.isolation = "auto"  # "on" refuses to grade without a sandbox
c.SandboxedKernelManager.memory_mb = 2048
c.SandboxedKernelManager.max_processes = 64
c.ClearSolutions.text_stub = "Write your answer here."

# Feedback goes to learners: leave out the hidden tests (nbgrader's default shows them),
# name each question, say what a person grades, and load nothing from the internet.
c.GenerateFeedback.preprocessors = [
    GetGrades,
    HideHiddenTests,
    NameFeedbackCells,
    CSSHTMLHeaderPreprocessor,
]
c.HTMLExporter.template_name = feedback.TEMPLATE_NAME
c.HTMLExporter.extra_template_basedirs = feedback.template_dirs()
