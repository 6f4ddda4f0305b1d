"""A trusted look at how the grading kernel runs cells, judged from its behaviour.

A learner's cell can change how every later cell runs: IPython's input and AST
transformers, ``set_custom_exc``, events callbacks (``pre_run_cell``, ``post_run_cell``),
the displayhook, ``sys.excepthook``, tracing, methods of the shell replaced on its instance
or its class, the builtins. Spelling such a change so that no text pattern matches is easy
(names built from strings, ``getattr``, ``__import__``), so the grader looks at the kernel
instead of the learner's text:

- a **baseline**: before the first learner cell, a probe reports the kernel's hooks;
- a **check** after each test cell and after the last cell: the same probe, compared with
  the baseline (a hook that appeared or changed is named), plus a **canary**: code that
  must fail with an ``AssertionError`` carrying a random nonce of this run, and must show
  exactly that error (a kernel that swallows, hides or rewrites errors fails it).

The code sent is built here and never saved into the notebook. The kernel's answers are
untrusted text: they are parsed with a size cap, and every name taken from them is cut
short and stripped of control characters before it lands in a record. The record lives in
the graded notebook's metadata, written by the grader's process (GuardedExecute), which
the kernel cannot write.

Libraries the course uses (matplotlib's inline backend, ipywidgets, IPython's own) add
hooks of their own while a notebook runs; :data:`COURSE_HOOKS` lists those, so that they
are not reported.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

# Where GuardedExecute records what it found, in the graded notebook's metadata.
METADATA_KEY = "autograder_kernel_probe"
REPORT_MARK = "AICAREER-KERNEL-PROBE "
# What a probe prints instead of its report when the report is the baseline's, by digest.
SAME_MARK = "AICAREER-KERNEL-PROBE-SAME "
MAX_REPORT_CHARS = 400_000
MAX_NAME_CHARS = 120
MAX_FINDINGS = 20  # sentences kept per kind in a record

# Methods of IPython's shell (and of ipykernel's kernel) that decide how a cell runs and
# how its errors and results are shown; the probe names what stands behind each.
SHELL_METHODS = (
    "run_cell",
    "run_cell_async",
    "run_ast_nodes",
    "run_code",
    "transform_cell",
    "transform_ast",
    "showtraceback",
    "_showtraceback",
    "showsyntaxerror",
    "showindentationerror",
    "_get_exc_info",
    "get_exception_only",
    "should_run_async",
    "ex",
    "ev",
    "safe_execfile",
)
KERNEL_METHODS = ("do_execute", "execute_request", "run_cell", "send_response")

# IPython parses and compiles every cell through its compiler (``shell.compile``): a
# method replaced on its class changes every later cell without touching a listed hook.
COMPILER_METHODS = (
    "__call__",
    "ast_parse",
    "cache",
    "extra_flags",
    "format_code_name",
    "get_code_name",
    "reset_compiler_flags",
)

# Modules whose functions run a cell. A global of theirs replaced, or added with a
# builtin's name (``exec``, ``compile``: looked up in the module before the builtins),
# changes how cells run while the builtins themselves stay untouched.
RUNNING_MODULES = (
    "IPython.core.interactiveshell",
    "IPython.core.compilerop",
    "IPython.core.async_helpers",
    "IPython.core.displayhook",
    "IPython.core.ultratb",
    "ipykernel.ipkernel",
    "ipykernel.zmqshell",
    "ipykernel.kernelbase",
    "codeop",
)

# Parts of a report where a change lets a cell's error go unseen or its code be skipped
# or rewritten: a kernel changed there cannot have its passing tests believed, whatever
# its canary showed (the canary can be recognised by its text and left alone). Changes
# elsewhere (events callbacks, the display) are shown to a person.
RUNS_CODE_PARTS = (
    "ast_transformers",
    "input_transformers",
    "custom_exceptions",
    "compiler",
    "module globals",
    "shell class",
    "shell methods",
    "shell instance",
    "kernel methods",
    "kernel instance",
    "builtins",
    "sys.gettrace",
    "sys.getprofile",
    "threading.gettrace",
    "threading.getprofile",
)

# Hooks the course's own libraries register (read from their sources: matplotlib's pyplot
# and its inline backend, when pyplot is first imported after the baseline). Every
# module's setup cell imports pyplot before the baseline, so the solution notebooks of
# all eight modules report no change at all; these cover a notebook that imports later.
COURSE_HOOKS = frozenset(
    {
        "events.post_execute: matplotlib_inline.backend_inline.flush_figures",
        "events.post_run_cell: matplotlib_inline.backend_inline.configure_once",
        "events.post_execute: matplotlib.pyplot._draw_all_if_interactive",
    }
)

# The probe, run in the kernel. It imports what it uses itself and prints one line. It is
# sent as one string literal, compiled and run in a namespace of its own (see
# probe_code): the learner's names (a ``print`` or ``vars`` of theirs) never stand in for
# the builtins it calls, none of its names is left behind, and IPython tokenizes and
# compiles a one-line cell instead of a long one (most of a probe's cost).
PROBE_SOURCE = r"""
def {function}():
    import builtins, hashlib, json, os, sys, threading
    from IPython import get_ipython

    def name(obj):
        if obj is None:
            return "None"
        target = getattr(obj, "__func__", obj)
        if not callable(target) or isinstance(target, type):
            target = target if isinstance(target, type) else type(target)
        module = getattr(target, "__module__", None) or type(target).__module__
        qualname = getattr(target, "__qualname__", None) or type(target).__qualname__
        return f"{{module}}.{{qualname}}"

    def located(obj):
        # A replacement can copy its original's name; not where its code was written.
        code = getattr(getattr(obj, "__func__", obj), "__code__", None)
        where = f" at {{code.co_filename}}:{{code.co_firstlineno}}" if code is not None else ""
        return name(obj) + where

    shell = get_ipython()
    compiler = shell.compile
    cell_files = set(getattr(compiler, "_filename_map", None) or ())
    running = {{}}
    for module_name in {running_modules}:
        module = sys.modules.get(module_name)
        for key, value in list(getattr(module, "__dict__", {{}}).items()):
            if not key.startswith("__") and callable(value):
                running[f"{{module_name}}.{{key}}"] = located(value)
    # Classes written in the notebook that decide what == (or truth) means: an answer
    # equal to anything passes a test that compares, with no hook changed at all.
    comparing = []
    # Every living class, found through its bases (much cheaper than walking every
    # object the collector tracks, and it finds the same classes).
    classes, waiting, seen = [], [object], set()
    while waiting:
        try:
            below = type.__subclasses__(waiting.pop())
        except TypeError:
            continue
        for cls in below:
            if id(cls) not in seen:
                seen.add(id(cls))
                classes.append(cls)
                waiting.append(cls)
    for obj in classes:
        try:
            own = vars(obj)
            if "__eq__" not in own and "__ne__" not in own and "__bool__" not in own:
                continue  # most classes: nothing of theirs decides ==, so nothing to name
            for method in ("__eq__", "__ne__", "__bool__"):
                code = getattr(own.get(method), "__code__", None)
                if (method in own and getattr(obj, "__module__", None) == "__main__") or (
                    code is not None and code.co_filename in cell_files
                ):
                    comparing.append(name(obj))
                    break
        except Exception:
            continue
    manager = shell.input_transformer_manager
    kernel = getattr(shell, "kernel", None)
    work = os.path.realpath(os.getcwd())
    from_work = []
    # Files under the Python installation are read-only binds: only others are resolved.
    installed = tuple(
        {{os.path.normpath(p) + os.sep for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}}
    )
    for module_name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None)
        if not isinstance(path, str) or os.path.normpath(path).startswith(installed):
            continue
        if os.path.realpath(path).startswith(work + os.sep):
            from_work.append(module_name.partition(".")[0])
    report = {{
        "custom_exceptions": [name(e) for e in shell.custom_exceptions],
        "input_transformers": [name(t) for t in manager.cleanup_transforms]
        + [name(t) for t in manager.line_transforms]
        + [name(t) for t in manager.token_transformers]
        + [name(t) for t in shell.input_transformers_post],
        "ast_transformers": [name(t) for t in shell.ast_transformers],
        "events": {{k: [name(c) for c in v] for k, v in shell.events.callbacks.items()}},
        "displayhook": name(type(shell.displayhook)),
        "sys.displayhook": name(sys.displayhook),
        "display_pub": name(type(shell.display_pub)),
        "sys.excepthook": name(sys.excepthook),
        "sys.gettrace": name(sys.gettrace()),
        "sys.getprofile": name(sys.getprofile()),
        "threading.gettrace": name(getattr(threading, "gettrace", lambda: None)()),
        "threading.getprofile": name(getattr(threading, "getprofile", lambda: None)()),
        "shell class": name(type(shell)),
        "shell methods": {{m: located(getattr(type(shell), m, None)) for m in {shell_methods}}},
        "kernel methods": {{m: located(getattr(type(kernel), m, None)) for m in {kernel_methods}}},
        "compiler class": name(type(compiler)),
        "compiler methods": {{
            m: located(getattr(type(compiler), m, None)) for m in {compiler_methods}
        }},
        "compiler instance": sorted(
            k for k, v in vars(compiler).items() if callable(v) and hasattr(type(compiler), k)
        ),
        "module globals": running,
        "classes of the notebook that override ==": sorted(set(comparing)),
        "shell instance": sorted(
            k for k, v in vars(shell).items() if callable(v) and hasattr(type(shell), k)
        ),
        "kernel instance": sorted(
            k for k, v in vars(kernel).items() if callable(v) and hasattr(type(kernel), k)
        ) if kernel is not None else [],
        "builtins": {{k: name(v) for k, v in vars(builtins).items() if k != "_"}},
        "modules from the work folder": sorted(set(from_work)),
    }}
    text = json.dumps(report, sort_keys=True)
    digest = hashlib.sha256(text.encode()).hexdigest()
    # The report of an unchanged kernel is the baseline's: its digest says so in a line.
    if digest == {same_as!r}:
        print({same_mark!r} + digest)
    else:
        print({mark!r} + digest + " " + text)

{function}()
"""

# The canary fails the two ways our tests do, ``raise`` and ``assert``: code that drops
# either (an AST transformer, a custom exception handler) leaves it without its error,
# or with another (a NameError). The assert fails outside the handler, so that IPython
# formats one traceback, not a chain of two (formatting is most of a canary's cost), and
# the name it reads is removed whatever happens.
CANARY_SOURCE = """
try:
    raise AssertionError({message!r})
except AssertionError as _aicareer_canary:
    _aicareer_raised = _aicareer_canary.args
try:
    assert _aicareer_raised != ({message!r},), {message!r}
finally:
    del _aicareer_raised
"""


@dataclass(frozen=True)
class ProbeCode:
    """The code of one probe (and, for a check, its canary) with what it must show."""

    source: str
    canary: str | None  # the AssertionError message the kernel must show, if a check


def new_nonce() -> str:
    """A random token for one grading run: the kernel cannot know it before it is sent."""
    return secrets.token_hex(12)


def probe_code(
    nonce: str, number: int, with_canary: bool, with_report: bool = True, same_as: str = ""
) -> ProbeCode:
    """The probe (a baseline when ``with_canary`` is false) for this run and step; without
    ``with_report``, the canary alone (the cheap check run after each test cell: the
    report of the kernel's hooks costs milliseconds, the canary less). ``same_as`` is the
    baseline report's digest: a report with that digest is said in one short line."""
    if not (with_canary or with_report):
        raise ValueError("a probe needs a report, a canary or both")
    source = (
        _run_apart(
            PROBE_SOURCE.format(
                function=f"_aicareer_probe_{nonce}_{number}",
                shell_methods=repr(SHELL_METHODS),
                kernel_methods=repr(KERNEL_METHODS),
                compiler_methods=repr(COMPILER_METHODS),
                running_modules=repr(RUNNING_MODULES),
                mark=REPORT_MARK,
                same_mark=SAME_MARK,
                same_as=same_as,
            )
        )
        if with_report
        else ""
    )
    if not with_canary:
        return ProbeCode(source, None)
    message = f"grader canary {nonce}-{number}"
    return ProbeCode(source + CANARY_SOURCE.format(message=message), message)


def _run_apart(source: str) -> str:
    """A one-line cell that runs ``source`` in a fresh namespace, away from the learner's."""
    return f"exec(compile({source!r}, '<aicareer-probe>', 'exec'), {{}})\n"


def clean(text: object, limit: int = MAX_NAME_CHARS) -> str:
    """Untrusted text made short and printable: control characters become spaces."""
    text = re.sub(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]", " ", str(text))
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Report:
    """A probe's report as read back: the kernel's hooks, and the digest it gave them."""

    hooks: dict
    digest: str


def read_report(outputs: list[dict], baseline: Report | None = None) -> Report | None:
    """The probe's report from the outputs of its execution, or None if there is none.

    A line saying the report is the same as ``baseline`` (by its digest) gives the
    baseline back; any other digest in such a line counts as no report.
    """
    text = "".join(
        str(o.get("text", ""))
        for o in outputs
        if o.get("output_type") == "stream" and o.get("name") == "stdout"
    )[:MAX_REPORT_CHARS]
    for line in text.splitlines():
        if line.startswith(SAME_MARK):
            same = baseline is not None and line[len(SAME_MARK) :].strip() == baseline.digest
            return baseline if same else None
        if line.startswith(REPORT_MARK):
            digest, _, body = line[len(REPORT_MARK) :].partition(" ")
            try:
                hooks = json.loads(body)
            except ValueError:
                return None
            return Report(hooks, clean(digest, 64)) if isinstance(hooks, dict) else None
    return None


def canary_problems(code: ProbeCode, outputs: list[dict], reply: dict | None) -> list[str]:
    """Why the kernel did not show exactly the canary's error (empty when it did)."""
    problems = []
    errors = [o for o in outputs if o.get("output_type") == "error"]
    shown = [(o.get("ename"), o.get("evalue")) for o in errors]
    if shown != [("AssertionError", code.canary)]:
        described = ", ".join(clean(f"{n}: {v}", 80) for n, v in shown) or "no error"
        problems.append(f"a check that must fail showed {described}")
    extra = sorted({o.get("output_type") for o in outputs} - {"stream", "error"})
    if extra:
        problems.append(f"a check that must fail also produced {', '.join(map(clean, extra))}")
    content = (reply or {}).get("content", {})
    status = content.get("status")
    if status != "error":
        problems.append(f"the kernel answered {clean(status, 20)!r} to a check that must fail")
    elif (content.get("ename"), content.get("evalue")) != ("AssertionError", code.canary):
        problems.append("the kernel reported another error than the check's")
    return problems


def _entries(report: dict) -> set[str]:
    """Every hook of a report as one comparable line, "<part>: <name>"."""
    lines = set()
    for part, value in report.items():
        if isinstance(value, dict):
            for key, inner in value.items():
                inner = inner if isinstance(inner, list) else [inner]
                lines.update(f"{part}.{key}: {item}" for item in inner)
        elif isinstance(value, list):
            lines.update(f"{part}: {item}" for item in value)
        else:
            lines.add(f"{part}: {value}")
    return lines


def hook_changes(baseline: dict, report: dict) -> list[str]:
    """The hooks in ``report`` that were not in ``baseline`` (nor are the course's own).

    Only what appeared counts: a hook that went away (matplotlib's, after a restart)
    cannot change how a test runs.
    """
    added = _entries(report) - _entries(baseline) - COURSE_HOOKS
    return [clean(line) for line in sorted(added)]


def changes_how_code_runs(change: str) -> bool:
    """Whether a line of :func:`hook_changes` is in a part where a change can hide a
    cell's error or skip its code (:data:`RUNS_CODE_PARTS`)."""
    return change.startswith(RUNS_CODE_PARTS)


@dataclass
class ProbeRecord:
    """What the checks of one notebook found, as kept in its metadata."""

    checks: int = 0
    tampering: list[str] = field(default_factory=list)  # canary failures: status tampered
    hook_changes: list[str] = field(default_factory=list)  # for a human look
    unanswered: list[str] = field(default_factory=list)  # probes that got no answer

    def add(self, kind: str, sentence: str) -> None:
        """Keep ``sentence`` under ``kind`` once, up to :data:`MAX_FINDINGS` of them."""
        found = getattr(self, kind)
        if sentence not in found and len(found) < MAX_FINDINGS:
            found.append(sentence)

    def as_metadata(self) -> dict:
        """The record as plain JSON for the notebook's metadata."""
        return {
            "checks": self.checks,
            "tampering": list(self.tampering),
            "hook_changes": list(self.hook_changes),
            "unanswered": list(self.unanswered),
        }


def record_of(nb) -> dict | None:
    """The record GuardedExecute wrote into a graded notebook, or None if it wrote none."""
    record = nb.get("metadata", {}).get(METADATA_KEY)
    return record if isinstance(record, dict) else None


def _sentences(record: dict, kind: str) -> list[str]:
    found = record.get(kind, [])
    return [clean(s, 300) for s in found[:MAX_FINDINGS]] if isinstance(found, list) else []


def tampering_found(record: dict) -> list[str]:
    """The canary failures of a record: the kernel changed how errors are shown."""
    return _sentences(record, "tampering")


def flags_from(record: dict, notebook: str) -> list[str]:
    """The "needs a look" lines of a record: hooks that appeared, probes unanswered."""
    flags = []
    changes = _sentences(record, "hook_changes")
    if changes:
        shown = "; ".join(changes[:5]) + (
            f"; and {len(changes) - 5} more" if len(changes) > 5 else ""
        )
        flags.append(f"{notebook}: the kernel's way of running cells was changed ({shown})")
    for sentence in _sentences(record, "unanswered")[:3]:
        flags.append(f"{notebook}: {sentence}")
    return flags


# Files that Python, IPython or matplotlib could run or read when a kernel starts in the
# work folder. PYTHONSAFEPATH keeps the folder off sys.path; the files are still named.
STARTUP_NAMES = frozenset(
    {
        "sitecustomize.py",
        "usercustomize.py",
        "ipykernel_launcher.py",
        "ipython_config.py",
        "ipython_kernel_config.py",
        "matplotlibrc",
        ".ipython",
        ".jupyter",
        ".config",
        ".local",
        "__pycache__",
    }
)


def startup_files(folder: Path, trusted: Path) -> list[str]:
    """Files of a submission ``folder`` that could run code when a kernel starts, or shadow
    a module (any ``.py``, ``.pth`` or ``.pyc`` at its top), as "needs a look" lines.

    Every folder from ``trusted`` down is opened without following links; only names are
    read, no file is opened.
    """
    from .files import RefusedFile, open_folder

    try:
        descriptor = open_folder(Path(trusted), Path(folder).relative_to(trusted).parts)
    except (OSError, ValueError, RefusedFile):
        return []
    try:
        names = sorted(os.listdir(descriptor))
    except OSError:
        return []
    finally:
        os.close(descriptor)
    found = [n for n in names if n in STARTUP_NAMES or n.endswith((".py", ".pth", ".pyc"))]
    if not found:
        return []
    shown = ", ".join(clean(name, 60) for name in found[:8])
    return [f"the submission holds files Python could run at start or import by name ({shown})"]
