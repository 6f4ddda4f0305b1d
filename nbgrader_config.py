"""nbgrader configuration: the repository root is the course directory."""

from pathlib import Path

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.converters.generate_assignment import GenerateAssignment
from nbgrader.preprocessors import ClearSolutions, GetGrades

from autograder.preprocessors import ClearSolutionsKeepWidgets, HideHiddenTests

c = get_config()  # noqa: F821 - injected by nbgrader when it loads this file

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
c.Execute.timeout = 120
c.ClearSolutions.text_stub = "Write your answer here."

# Feedback goes to learners: leave out the hidden tests (nbgrader's default shows them).
c.GenerateFeedback.preprocessors = [GetGrades, HideHiddenTests, CSSHTMLHeaderPreprocessor]
