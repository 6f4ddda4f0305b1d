"""Defences against submissions written to break the grader: files read without following
links or blocking, capped copies of a submission, learner text made inert wherever it
lands, strict scoring of test cells and a trusted probe of the kernel's hooks."""
