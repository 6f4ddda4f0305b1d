"""The course's modules, in order: the one list the start page and the README follow."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Module:
    """One module: a lesson and an assignment sharing the slug ``NN-name``."""

    number: int
    slug: str
    title: str
    question: str
    minutes: int


MODULES = (
    Module(
        1,
        "01-three-steps",
        "Three steps to a career in AI",
        "Where am I on the path, and what comes next?",
        130,
    ),
    Module(
        2,
        "02-foundations",
        "Foundations by hand",
        "What does a model actually do when it learns?",
        200,
    ),
    Module(
        3,
        "03-staying-current",
        "Staying current",
        "How do I keep learning when the field moves this fast?",
        165,
    ),
    Module(
        4,
        "04-scoping-under-uncertainty",
        "Scoping under uncertainty",
        "How long will it take to be good enough, when nobody knows?",
        185,
    ),
    Module(
        5,
        "05-after-deployment",
        "After deployment",
        "How do I know when a model in use needs attention?",
        185,
    ),
    Module(
        6,
        "06-portfolio",
        "Projects and portfolio",
        "Which projects should I do, and in what order?",
        140,
    ),
    Module(
        7,
        "07-job-search",
        "The job search",
        "Which move should I make first, and whom should I talk to?",
        165,
    ),
    Module(
        8,
        "08-your-plan",
        "Your plan and your people",
        "What will I do in the next 90 days, and with whom?",
        160,
    ),
)
