"""The client the grader talks to each kernel through: jupyter_client's, ready sooner.

jupyter_client's ``wait_for_ready``, after the kernel has answered, listens to IOPub
until it has been quiet for 0.2 s, to drop the messages of the kernel's start. Nothing
here needs that: nbclient, and the grader's own probe, read only the messages that answer
what they sent. So this client is ready once the kernel has answered a ``kernel_info``
request on its shell channel and has shown on IOPub that it is connected there too:
0.2 s less per kernel, which is per submission.
"""

from __future__ import annotations

import math
import time
from queue import Empty

from jupyter_client.asynchronous.client import AsyncKernelClient

IOPUB_SIGN_SECONDS = 0.2  # for IOPub to show it is connected, before asking again


class PromptClient(AsyncKernelClient):
    """An async kernel client that is ready as soon as both channels answer."""

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        """Return once the kernel answers on the shell channel and IOPub; raise
        RuntimeError if it dies first or does not answer within ``timeout`` seconds."""
        deadline = time.monotonic() + (timeout if timeout is not None else math.inf)
        # Every request asked so far counts: a kernel slower than a second to start answers
        # the first request while the second is on its way, and matching only the latest
        # would stay one reply behind for good (a grader stalled until its timeout).
        asked = set()
        while True:
            asked.add(self.kernel_info())
            try:
                reply = await self.shell_channel.get_msg(timeout=1)
            except Empty:
                reply = None
            if reply and reply.get("parent_header", {}).get("msg_id") in asked:
                try:
                    # Any message proves IOPub is subscribed (the status of our request).
                    await self.iopub_channel.get_msg(timeout=IOPUB_SIGN_SECONDS)
                except Empty:
                    pass  # subscribed too late to see it: ask again
                else:
                    self._handle_kernel_info_reply(reply)
                    return
            if not await self._async_is_alive():
                raise RuntimeError("the kernel died before answering")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the kernel did not answer in {timeout} s")
