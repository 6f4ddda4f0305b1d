"""nbgrader's Execute step, hardened for grading a class.

On top of nbgrader's per-cell timeout this adds what one bad submission needs so that it
cannot stall or spoil a batch:

- the kernel runs in a sandbox (:mod:`autograder.sandbox`);
- a time limit for the whole notebook: once it has passed, the remaining cells are not
  run and say so;
- a cap on the bytes of output one cell may keep (nbgrader's LimitOutput, which runs
  later, caps lines); the rest is dropped as it arrives, so a flood never fills memory;
- a kernel that dies (``os._exit``, a segfault, a limit of the sandbox) or ignores the
  interrupt after a timeout is restarted, and grading goes on with the next cell. The
  cells graded before keep their points; nbgrader alone would stop and save none.
"""

from __future__ import annotations

import queue
from time import monotonic

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import ensure_async, run_sync
from nbformat.notebooknode import NotebookNode
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute
from traitlets import Integer

from ..guards import kernel_probe
from ..sandbox import SandboxedKernelManager

# The error names and the note this step writes into graded notebooks; the statuses
# (autograder.grading.statuses) and the report's flags are read from them.
KERNEL_DIED_ERROR = "KernelDied"
NOTEBOOK_TIMEOUT_ERROR = "NotebookTimeout"
OUTPUT_CUT_MARK = "[output cut:"
LONGEST_ERROR_TEXT = 2000  # characters kept of an error's message or a traceback line
PROBE_TIMEOUT = 15  # seconds the kernel has to answer one trusted probe


def _sizes(msg: dict) -> tuple[int, int]:
    """(characters of text, characters of images) in an output message. Images count
    apart: one ordinary plot is tens of thousands of characters of base64, and a healthy
    cell may draw several."""
    content = msg.get("content", {})
    if msg.get("msg_type") == "stream":
        return len(content.get("text", "")), 0
    text = images = 0
    for mime, value in content.get("data", {}).items():
        if str(mime).startswith("image/"):
            images += len(str(value))
        else:
            text += len(str(value))
    return text, images


def _join_adjacent_streams(cell) -> None:
    """One output for each run of stream outputs of the same name in a row. nbclient joins
    them when a cell ends normally, but not when a restart or a late message got in the
    way; how a kernel happened to flush a print must not change the graded notebook."""
    outputs = cell.get("outputs") if cell.get("cell_type") == "code" else None
    if not outputs:
        return
    joined = []
    for output in outputs:
        previous = joined[-1] if joined else None
        if (
            previous is not None
            and output.get("output_type") == "stream" == previous.get("output_type")
            and output.get("name") == previous.get("name")
        ):
            previous["text"] = str(previous.get("text", "")) + str(output.get("text", ""))
        else:
            joined.append(output)
    cell.outputs = joined


def _timed_out(cell) -> bool:
    return any(o.get("ename") == "CellTimeoutError" for o in cell.get("outputs", []))


def _is_graded_code(cell) -> bool:
    return cell.cell_type == "code" and bool(cell.metadata.get("nbgrader", {}).get("grade"))


def _is_instructor_cell(cell) -> bool:
    """A cell nbgrader restores from the source (locked, or a test): not the learner's."""
    meta = cell.metadata.get("nbgrader", {})
    return bool(meta.get("locked") or (meta.get("grade") and not meta.get("solution")))


class GuardedExecute(Execute):
    """Execute with a sandboxed kernel, a notebook time limit, an output byte cap and
    recovery from dead or stuck kernels."""

    notebook_timeout = Integer(900, help="Seconds the whole notebook may run; 0 for no limit.").tag(
        config=True
    )
    max_output_bytes = Integer(
        100_000, help="Characters of text output kept per cell; the rest is dropped."
    ).tag(config=True)
    max_image_bytes = Integer(
        2_000_000, help="Characters of image output (base64) kept per cell; the rest is dropped."
    ).tag(config=True)
    max_restarts = Integer(
        5, help="Kernel restarts per notebook before the remaining cells are skipped."
    ).tag(config=True)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("kernel_manager_class", SandboxedKernelManager)
        super().__init__(*args, **kwargs)

    def preprocess(self, nb, resources=None, km=None):
        self._deadline = monotonic() + self.notebook_timeout if self.notebook_timeout else None
        self._output_used: dict[tuple[int, str], int] = {}
        self._restarts = 0
        self._start_probing(nb)
        try:
            nb, resources = super().preprocess(nb, resources, km)
        finally:
            # Written whatever happened, over anything the learner put under this key.
            nb.metadata[kernel_probe.METADATA_KEY] = self._probe_record.as_metadata()
            for cell in nb.cells:
                _join_adjacent_streams(cell)
        return nb, resources

    def _get_timeout(self, cell):
        timeout = super()._get_timeout(cell)
        if getattr(self, "_deadline", None) is None:
            return timeout
        left = max(1, int(self._deadline - monotonic()))
        return min(timeout, left) if timeout else left

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        if cell.cell_type != "code" or not cell.source.strip():
            return await super().async_execute_cell(
                cell, cell_index, execution_count, store_history
            )
        if self._deadline is not None and monotonic() >= self._deadline:
            return self._not_run(
                cell,
                NOTEBOOK_TIMEOUT_ERROR,
                f"the notebook ran past its time limit of {self.notebook_timeout} s; "
                "this cell was not run",
            )
        if self._restarts > self.max_restarts:
            return self._not_run(
                cell,
                KERNEL_DIED_ERROR,
                "the kernel kept dying; this cell and the rest were not run",
            )
        # When the notebook's limit is nearer than the cell's own, a timeout here means the
        # notebook is out of time: no later cell may run, however quick.
        limited_by_notebook = self._deadline is not None and (
            not self.timeout or self._deadline - monotonic() < self.timeout
        )
        if self._baseline is None and cell_index >= self._first_learner_cell:
            await self._take_baseline()
        try:
            cell = await super().async_execute_cell(
                cell, cell_index, execution_count, store_history
            )
            if limited_by_notebook and _timed_out(cell):
                self._deadline = monotonic()
            elif cell_index in self._checks:
                await self._check_kernel()
            return cell
        except DeadKernelError:
            note = self.km.limit_note() if hasattr(self.km, "limit_note") else ""
            reason = note or "the kernel stopped (it crashed or exited) while running this cell"
            self._record_error(
                cell, KERNEL_DIED_ERROR, reason + "; a fresh kernel runs the next cells"
            )
        except CellTimeoutError:
            if limited_by_notebook:
                self._deadline = monotonic()
            self._record_error(
                cell,
                "CellTimeoutError",
                "the cell ran past its time limit and did not stop when interrupted; "
                "a fresh kernel runs the next cells",
            )
        await self._restart_kernel()
        return cell

    # nbclient binds its synchronous wrapper to its own coroutine; bind it to ours.
    execute_cell = run_sync(async_execute_cell)

    def _not_run(self, cell, ename: str, evalue: str):
        cell.outputs = []
        self._record_error(cell, ename, evalue)
        return cell

    def _record_error(self, cell, ename: str, evalue: str) -> None:
        cell.setdefault("outputs", []).append(
            new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])
        )

    # --- the trusted probe of the kernel (see autograder/guards/kernel_probe.py) ------
    def _start_probing(self, nb) -> None:
        nb.metadata.pop(kernel_probe.METADATA_KEY, None)
        self._nonce = kernel_probe.new_nonce()
        self._probes = 0
        self._baseline = None
        self._probe_record = kernel_probe.ProbeRecord()
        code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.source.strip()]
        learner = [i for i in code if not _is_instructor_cell(nb.cells[i])]
        self._first_learner_cell = learner[0] if learner else 0
        self._last_code_cell = code[-1] if code else -1
        # The canary and the report of hooks after the last code cell, and after each test
        # cell that a cell other than a test follows: a hook the tests ran with is seen
        # before a later learner cell can put things back as they were. No learner code
        # runs between two tests, so one check after a run of tests sees what a check
        # after each would.
        tests = {i for i in code if _is_graded_code(nb.cells[i])}
        followed_by = dict(zip(code, code[1:], strict=False))
        self._checks = {self._last_code_cell} | {
            i for i in tests if followed_by.get(i) not in tests
        }

    async def _take_baseline(self) -> None:
        report = await self._probe(with_canary=False)
        self._baseline = report if report is not None else kernel_probe.Report({}, "")

    async def _check_kernel(self) -> None:
        """Make the kernel fail on purpose, and compare its hooks with the baseline."""
        if self._deadline is not None and monotonic() >= self._deadline:
            return
        report = await self._probe(with_canary=True)
        baseline = self._baseline
        if (
            report is not None
            and baseline is not None
            and baseline.hooks
            and report is not baseline
        ):
            for change in kernel_probe.hook_changes(baseline.hooks, report.hooks):
                # A change where errors can be hidden or code skipped is tampering even when
                # the canary passed: a kernel can recognise the canary and leave it alone.
                if kernel_probe.changes_how_code_runs(change):
                    self._probe_record.add("tampering", f"the way cells run was changed: {change}")
                else:
                    self._probe_record.add("hook_changes", change)

    async def _probe(self, with_canary: bool, with_report: bool = True):
        """Run one probe in the kernel (never saved into the notebook); its report
        (a :class:`kernel_probe.Report`), or None."""
        self._probes += 1
        same_as = self._baseline.digest if self._baseline is not None else ""
        code = kernel_probe.probe_code(
            self._nonce, self._probes, with_canary, with_report, same_as=same_as
        )
        outputs, reply = await self._run_unsaved(code.source)
        if reply is None:
            self._probe_record.add(
                "unanswered", "the kernel did not answer the grader's check; it was restarted"
            )
            await self._restart_kernel()
            return None
        self._probe_record.checks += 1
        if code.canary is not None:
            for problem in kernel_probe.canary_problems(code, outputs, reply):
                self._probe_record.add("tampering", problem)
        if not with_report:
            return None
        report = kernel_probe.read_report(outputs, self._baseline)
        if report is None:
            self._probe_record.add("unanswered", "the grader's check of the kernel got no report")
        return report

    async def _run_unsaved(self, source: str) -> tuple[list[dict], dict | None]:
        """Execute ``source`` in the kernel without a cell: its outputs (text capped) and
        its reply, or ``None`` for the reply if the kernel did not answer in time."""
        msg_id = await ensure_async(
            self.kc.execute(source, store_history=False, allow_stdin=False, stop_on_error=False)
        )
        deadline = monotonic() + PROBE_TIMEOUT
        outputs, kept, idle = [], 0, False
        while not idle:
            msg = await self._next_message(self.kc.get_iopub_msg, msg_id, deadline)
            if msg is None:
                return outputs, None
            kind, content = msg.get("msg_type"), msg.get("content", {})
            if kind == "status":
                idle = content.get("execution_state") == "idle"
            elif kind == "stream" and kept < kernel_probe.MAX_REPORT_CHARS:
                text = str(content.get("text", ""))[: kernel_probe.MAX_REPORT_CHARS - kept]
                kept += len(text)
                outputs.append({"output_type": "stream", "name": content.get("name"), "text": text})
            elif kind == "error":
                outputs.append(
                    {
                        "output_type": "error",
                        "ename": str(content.get("ename", ""))[:200],
                        "evalue": str(content.get("evalue", ""))[:LONGEST_ERROR_TEXT],
                    }
                )
            elif kind in ("execute_result", "display_data", "update_display_data", "clear_output"):
                outputs.append({"output_type": kind})
        return outputs, await self._next_message(self.kc.get_shell_msg, msg_id, deadline)

    async def _next_message(self, receive, msg_id: str, deadline: float) -> dict | None:
        """The next message answering ``msg_id`` on one channel, or None at the deadline
        or when the kernel has died."""
        while monotonic() < deadline:
            try:
                msg = await ensure_async(receive(timeout=min(1.0, deadline - monotonic())))
            except queue.Empty:
                if not await ensure_async(self.km.is_alive()):
                    return None
                continue
            if msg.get("parent_header", {}).get("msg_id") == msg_id:
                return msg
        return None

    async def _restart_kernel(self) -> None:
        self._restarts += 1
        await ensure_async(self.km.restart_kernel(now=True))
        self.kc.stop_channels()
        await self.async_start_new_kernel_client()

    def output(self, outs, msg, display_id, cell_index):
        """Keep a cell's text up to ``max_output_bytes`` and its images up to
        ``max_image_bytes``; drop the rest as it arrives."""
        if msg.get("msg_type") == "error":
            content = msg.get("content", {})
            content["evalue"] = str(content.get("evalue", ""))[:LONGEST_ERROR_TEXT]
            content["traceback"] = [
                str(line)[:LONGEST_ERROR_TEXT] for line in content.get("traceback", [])[:200]
            ]
            return super().output(outs, msg, display_id, cell_index)
        text, images = _sizes(msg)
        for kind, size, most in (
            ("text", text, self.max_output_bytes),
            ("image", images, self.max_image_bytes),
        ):
            used = self._output_used.get((cell_index, kind), 0)
            if size and used + size > most:
                if used <= most:
                    self._output_used[(cell_index, kind)] = most + 1
                    what = "printed more than" if kind == "text" else "showed images of more than"
                    outs.append(
                        NotebookNode(
                            output_type="stream",
                            name="stdout",
                            text=f"\n{OUTPUT_CUT_MARK} this cell {what} "
                            f"{most:,} characters; the rest was dropped]\n",
                        )
                    )
                return None
        for kind, size in (("text", text), ("image", images)):
            self._output_used[(cell_index, kind)] = (
                self._output_used.get((cell_index, kind), 0) + size
            )
        return super().output(outs, msg, display_id, cell_index)
