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

from time import monotonic

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import ensure_async, run_sync
from nbformat.notebooknode import NotebookNode
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute
from traitlets import Integer

from ..sandbox import SandboxedKernelManager

# The error names and the note this step writes into graded notebooks; the statuses
# (autograder.grading.statuses) and the report's flags are read from them.
KERNEL_DIED_ERROR = "KernelDied"
NOTEBOOK_TIMEOUT_ERROR = "NotebookTimeout"
OUTPUT_CUT_MARK = "[output cut:"
LONGEST_ERROR_TEXT = 2000  # characters kept of an error's message or a traceback line


def _size(msg: dict) -> int:
    content = msg.get("content", {})
    if msg.get("msg_type") == "stream":
        return len(content.get("text", ""))
    return sum(len(str(value)) for value in content.get("data", {}).values())


def _timed_out(cell) -> bool:
    return any(o.get("ename") == "CellTimeoutError" for o in cell.get("outputs", []))


class GuardedExecute(Execute):
    """Execute with a sandboxed kernel, a notebook time limit, an output byte cap and
    recovery from dead or stuck kernels."""

    notebook_timeout = Integer(900, help="Seconds the whole notebook may run; 0 for no limit.").tag(
        config=True
    )
    max_output_bytes = Integer(
        100_000, help="Characters of output kept per cell; the rest is dropped."
    ).tag(config=True)
    max_restarts = Integer(
        5, help="Kernel restarts per notebook before the remaining cells are skipped."
    ).tag(config=True)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("kernel_manager_class", SandboxedKernelManager)
        super().__init__(*args, **kwargs)

    def preprocess(self, nb, resources=None, km=None):
        self._deadline = monotonic() + self.notebook_timeout if self.notebook_timeout else None
        self._output_used: dict[int, int] = {}
        self._restarts = 0
        return super().preprocess(nb, resources, km)

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
        try:
            cell = await super().async_execute_cell(
                cell, cell_index, execution_count, store_history
            )
            if limited_by_notebook and _timed_out(cell):
                self._deadline = monotonic()
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

    async def _restart_kernel(self) -> None:
        self._restarts += 1
        await ensure_async(self.km.restart_kernel(now=True))
        self.kc.stop_channels()
        await self.async_start_new_kernel_client()

    def output(self, outs, msg, display_id, cell_index):
        """Keep a cell's output up to ``max_output_bytes``; drop the rest as it arrives."""
        if msg.get("msg_type") == "error":
            content = msg.get("content", {})
            content["evalue"] = str(content.get("evalue", ""))[:LONGEST_ERROR_TEXT]
            content["traceback"] = [
                str(line)[:LONGEST_ERROR_TEXT] for line in content.get("traceback", [])[:200]
            ]
            return super().output(outs, msg, display_id, cell_index)
        used = self._output_used.get(cell_index, 0)
        size = _size(msg)
        if used + size > self.max_output_bytes:
            if used <= self.max_output_bytes:
                self._output_used[cell_index] = self.max_output_bytes + 1
                outs.append(
                    NotebookNode(
                        output_type="stream",
                        name="stdout",
                        text=f"\n{OUTPUT_CUT_MARK} this cell printed more than "
                        f"{self.max_output_bytes:,} characters; the rest was dropped]\n",
                    )
                )
            return None
        self._output_used[cell_index] = used + size
        return super().output(outs, msg, display_id, cell_index)
