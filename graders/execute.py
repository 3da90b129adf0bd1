"""nbgrader's ``Execute``, made to survive a kernel that dies.

Stock nbgrader fails the whole submission when the kernel dies (``os._exit``, a segfault, the
sandbox's CPU limit): every exercise scores 0. ``ResilientExecute`` records the death as an
error in the cell that caused it (so only that exercise loses its points), starts a fresh
kernel, replays the code cells that ran before (their outputs are not touched), and goes on
with the next cell. After ``max_restarts`` deaths the remaining cells are marked as not run.
"""

from __future__ import annotations

import copy

import nbformat
from jupyter_core.utils import run_sync
from nbclient.exceptions import DeadKernelError
from nbgrader.preprocessors import Execute
from traitlets import Integer

__all__ = ["ResilientExecute", "KERNEL_DIED"]

KERNEL_DIED = "KernelDied"


def _death(message: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_output("error", ename=KERNEL_DIED, evalue=message, traceback=[f"{KERNEL_DIED}: {message}"])


class ResilientExecute(Execute):
    max_restarts = Integer(3, help="Kernel restarts allowed per notebook before the rest is skipped.").tag(config=True)

    def reset_execution_trackers(self) -> None:
        super().reset_execution_trackers()
        self._ran: list[int] = []
        self._restarts = 0
        self._given_up = False

    def preprocess_cell(self, cell, resources, index):  # type: ignore[override]
        if cell.cell_type != "code" or not cell.source.strip():
            return super().preprocess_cell(cell, resources, index)
        if self._given_up:
            cell.outputs = [_death("not run: the kernel died too often in this notebook")]
            return cell, self.resources
        try:
            result = super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            cell.outputs = [_death("the kernel died while running this cell (os._exit, a crash, or the memory or CPU limit); "
                                   "a fresh kernel ran the cells before it again and grading went on")]
            self.log.warning("kernel died in cell %d; restarting it", index)
            run_sync(self._restart_and_replay)()
            return cell, self.resources
        self._ran.append(index)
        return result

    async def _restart_and_replay(self) -> None:
        while True:
            self._restarts += 1
            if self._restarts > self.max_restarts:
                self._given_up = True
                return
            try:
                if self.kc is not None:
                    self.kc.stop_channels()
                await self.km.restart_kernel(now=True)
                await self.async_start_new_kernel_client()
                for index in list(self._ran):
                    scratch = copy.deepcopy(self.nb.cells[index])
                    await self.async_execute_cell(scratch, index, store_history=False)
                return
            except DeadKernelError:
                self.log.warning("the kernel died again while replaying earlier cells")
            except Exception:
                self.log.exception("could not restart the kernel")
                self._given_up = True
                return
