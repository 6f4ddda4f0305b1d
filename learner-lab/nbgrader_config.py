"""nbgrader in the learner's lab, where only the Validate button uses it.

The course's own nbgrader_config.py (the instructor's) is in the repository root, not in
workspace/, so without this file nbgrader would warn "No nbgrader_config.py file found"
each time a learner validates a notebook. The learner needs nothing configured.
"""

c = get_config()  # noqa: F821 - injected by nbgrader when it loads this file
