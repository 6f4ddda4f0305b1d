"""The instructor's side of the course: nbgrader configuration pieces and release checks."""
