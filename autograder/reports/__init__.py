"""What grading produces for the instructor: the grades CSV, the report page, item
analysis, the class page across assignments and the learning platform's gradebook CSV."""
