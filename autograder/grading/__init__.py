"""Grading a class: the engine that hands submissions to an executor (``engine``), what
each worker process does (``worker``), the status of each submission (``statuses``), the
checks made in the trusted process (``integrity``), the whole ``grade`` command's work
(``class_grades``) and bringing in an LMS download (``collect``)."""
