"""One database engine per grading process, shared by every gradebook nbgrader opens.

nbgrader opens a new ``Gradebook`` about ten times for each submission it grades. Each
one builds a SQLAlchemy engine, lists the database's tables, checks every table, and then
throws the engine away, and with it SQLAlchemy's cache of compiled queries, so every
query is compiled again each time. In a worker that grades submission after submission
that was a fifth of its work.

:func:`share_engines` makes every gradebook this process opens afterwards share one
engine per database URL. The first gradebook of a URL is built by nbgrader exactly as
before, creating the tables if they are missing; later ones take its engine and open a
session of their own. The course's row, which nbgrader makes if it is missing, is looked
for once per engine and course. Closing a gradebook closes its connections as before (no
connection outlives its gradebook, so none can go stale), but the engine and its compiled
queries stay for the next one.
"""

from __future__ import annotations

import os
import sys
import threading

from nbgrader import api
from sqlalchemy.orm import scoped_session, sessionmaker

_ORIGINAL = api.Gradebook
_lock = threading.Lock()
# Keyed by process, so that nothing is shared across a fork, and for SQLite by the
# database file itself, so that a gradebook made again at the same path gets its tables.
_engines: dict[tuple, object] = {}
_courses_made: set[tuple] = set()  # (engine key, course id) whose row exists


def _key(db_url: str) -> tuple:
    file = None
    if db_url.startswith("sqlite:///"):
        try:
            status = os.stat(db_url[len("sqlite:///") :])
            file = (status.st_dev, status.st_ino)
        except OSError:
            file = None  # not made yet: the first gradebook makes it, and is not kept
    return (os.getpid(), db_url, file)


class SharedEngineGradebook(_ORIGINAL):
    """nbgrader's ``Gradebook``, on this process's one engine for its database URL."""

    def __init__(self, db_url: str, course_id: str = "default_course", authenticator=None):
        key = _key(str(db_url))
        with _lock:
            engine = _engines.get(key)
            if engine is None:
                super().__init__(db_url, course_id, authenticator)
                if key[2] is not None or not db_url.startswith("sqlite:///"):
                    _engines[key] = self.engine
                    _courses_made.add((key, course_id))
                return
        self.engine = engine
        self.db = scoped_session(sessionmaker(autoflush=True, bind=engine, future=True))
        if (key, course_id) not in _courses_made:
            # nbgrader makes the course's row if it is missing; once made, it stays.
            self.check_course(course_id=course_id)
            _courses_made.add((key, course_id))
        self.course_id = course_id
        self.authenticator = authenticator


def share_engines() -> None:
    """From now on, every gradebook opened in this process shares one engine per URL.

    nbgrader's modules import ``Gradebook`` by name, so the name is replaced in each
    module already imported that holds nbgrader's class, and in ``nbgrader.api`` for
    modules imported later. Safe to call more than once.
    """
    for name, module in list(sys.modules.items()):
        if name.partition(".")[0] in ("nbgrader", "autograder") and (
            getattr(module, "Gradebook", None) is _ORIGINAL
        ):
            module.Gradebook = SharedEngineGradebook
