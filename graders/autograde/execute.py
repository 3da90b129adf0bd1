"""nbgrader's ``Execute``, made to survive a kernel that dies, with budgets that do not depend
on the machine's load.

Stock nbgrader fails the whole submission when the kernel dies (``os._exit``, a segfault, the
sandbox's CPU limit): every exercise scores 0. ``ResilientExecute`` records the death as an
error in the cell that caused it (so only that exercise loses its points), starts a fresh
kernel, replays the code cells that ran before (their outputs are not touched), and goes on
with the next cell. After ``max_restarts`` deaths the remaining cells are marked as not run.

Budgets (:mod:`graders.autograde.budget`):

* a lesson cell that the release notebook tags ``skip-when-grading`` is not run when the
  submitted cell is that very cell, unchanged, and no later cell needs a name it assigns; it
  gets one line saying so;
* every cell that runs may use :func:`graders.autograde.budget.cell_budget` seconds of CPU time of the
  kernel's process tree, read from ``/proc`` while it runs. Past that the kernel is interrupted
  (killed if it goes on computing for :data:`~graders.autograde.budget.KILL_GRACE` more seconds) and the
  cell's error says how much CPU it was allowed. ``Execute.timeout`` stays as the wall-clock
  backstop for code that waits.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import signal
from pathlib import Path
from typing import Any

import nbformat
from jupyter_core.utils import ensure_async, run_sync
from nbclient.exceptions import DeadKernelError
from nbgrader.preprocessors import Execute
from traitlets import Bool, Integer

from graders.autograde import budget as _budget

__all__ = ["ResilientExecute", "KERNEL_DIED", "CPU_EXCEEDED", "NOT_RUN_TEXT"]

KERNEL_DIED = "KernelDied"
#: ``ename`` of the error a cell gets when it used more CPU time than its budget.
CPU_EXCEEDED = "CPUTimeExceeded"
#: The one output of a lesson cell that grading skipped.
NOT_RUN_TEXT = ("[not run while grading: a lesson cell (plot, demo or training) that no graded cell needs; "
                "it runs as usual in Jupyter]\n")


def _death(message: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_output("error", ename=KERNEL_DIED, evalue=message, traceback=[f"{KERNEL_DIED}: {message}"])


def _over_budget(seconds: float, killed: bool) -> nbformat.NotebookNode:
    message = (f"this cell used more than {seconds:.0f} s of CPU time, its limit while grading, and was stopped"
               + (" (it ignored the interrupt, so its kernel was restarted and the cells before it were run again)"
                  if killed else "")
               + ". Look for a loop that does not end or far more work than the exercise needs.")
    return nbformat.v4.new_output("error", ename=CPU_EXCEEDED, evalue=message, traceback=[f"{CPU_EXCEEDED}: {message}"])


class ResilientExecute(Execute):
    max_restarts = Integer(3, help="Kernel restarts allowed per notebook before the rest is skipped.").tag(config=True)
    skip_lesson_cells = Bool(
        True, help="Skip lesson cells the release notebook tags skip-when-grading (see graders.autograde.budget)."
    ).tag(config=True)
    cpu_budgets = Bool(True, help="Stop a cell that uses more CPU time than graders.autograde.budget.cell_budget.").tag(config=True)

    def reset_execution_trackers(self) -> None:
        super().reset_execution_trackers()
        self._ran: list[int] = []
        self._restarts = 0
        self._given_up = False
        self._skip: set[int] | None = None
        self._over: float | None = None  # budget of the cell being stopped for its CPU time
        self._interrupting: asyncio.Task | None = None
        #: CPU seconds each executed cell used, by cell id (what ``python -m graders.autograde.budget`` prints)
        self.cpu_seconds: dict[str, float] = {}

    # -- which cells run ---------------------------------------------------------------------

    def _release_notebook(self, resources: dict) -> Any:
        info = (resources or {}).get("nbgrader") or {}
        if not info.get("assignment") or not info.get("notebook"):
            return None
        from nbgrader.coursedir import CourseDirectory

        coursedir = CourseDirectory(config=self.config)
        path = Path(coursedir.format_path(coursedir.release_directory, ".", info["assignment"])) / f"{info['notebook']}.ipynb"
        try:
            return nbformat.read(path, as_version=4)
        except (OSError, ValueError) as exc:
            self.log.warning("no release notebook at %s (%s): every lesson cell runs", path, exc)
            return None

    def _plan(self, resources: dict) -> set[int]:
        if self._skip is None:
            self._skip = _budget.skip_plan(self.nb, self._release_notebook(resources)) if self.skip_lesson_cells else set()
        return self._skip

    def preprocess_cell(self, cell, resources, index):  # type: ignore[override]
        if cell.cell_type != "code" or not cell.source.strip():
            return super().preprocess_cell(cell, resources, index)
        if index in self._plan(resources):
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=NOT_RUN_TEXT)]
            cell.execution_count = None
            return cell, self.resources
        if self._given_up:
            cell.outputs = [_death("not run: the kernel died too often in this notebook")]
            return cell, self.resources
        try:
            result = super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            if self._over is not None:
                cell.outputs = [_over_budget(self._over, killed=True)]
                self.log.warning("cell %d ignored its CPU budget's interrupt; kernel killed, restarting it", index)
            else:
                cell.outputs = [_death("the kernel died while running this cell (os._exit, a crash, or the memory or CPU limit); "
                                       "a fresh kernel ran the cells before it again and grading went on")]
                self.log.warning("kernel died in cell %d; restarting it", index)
            self._over = None
            run_sync(self._restart_and_replay)()
            return cell, self.resources
        self._ran.append(index)
        return result

    # -- the CPU budget ----------------------------------------------------------------------

    def _tree_root(self) -> int | None:
        root = getattr(self.km, "kernel_tree_root", None)
        if callable(root):
            return root()
        process = getattr(getattr(self.km, "provisioner", None), "process", None)
        return getattr(process, "pid", None)

    def _cell_budget(self, cell: Any) -> float:
        info = (self.resources or {}).get("nbgrader") or {}
        gid = (cell.get("metadata", {}).get("nbgrader") or {}).get("grade_id")
        return _budget.cell_budget(info.get("assignment"), gid or cell.get("id"))

    async def _interrupt(self) -> None:
        """Interrupt the running cell and wait until the kernel has acted on it, so that the
        signal cannot land in the next cell."""
        kc = self.kc
        channel = getattr(kc, "control_channel", None)
        if kc is None or channel is None:
            await ensure_async(self.km.interrupt_kernel())
            return
        msg = kc.session.msg("interrupt_request", content={})
        channel.send(msg)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10
        while (left := deadline - loop.time()) > 0:
            try:
                reply = await ensure_async(channel.get_msg(timeout=left))
            except Exception:  # noqa: BLE001 - queue.Empty: no reply, the kill below still stops it
                return
            if reply.get("parent_header", {}).get("msg_id") == msg["header"]["msg_id"]:
                return

    async def _watch(self, root: int, start: float, limit: float) -> None:
        stopped_at: float | None = None
        while True:
            await asyncio.sleep(_budget.POLL_SECONDS)
            now = _budget.tree_cpu_seconds(root)
            if now is None:
                return
            used = now - start
            if stopped_at is None and used > limit:
                self.log.warning("a cell used more than %.0f s of CPU time: interrupting the kernel", limit)
                self._over = limit
                stopped_at = used
                self._interrupting = asyncio.ensure_future(self._interrupt())
            elif stopped_at is not None and used > stopped_at + _budget.KILL_GRACE:
                self.log.warning("the kernel goes on computing after the interrupt: killing it")
                await ensure_async(self.km.signal_kernel(signal.SIGKILL))
                return

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):  # type: ignore[override]
        root = self._tree_root() if self.km is not None else None
        start = _budget.tree_cpu_seconds(root) if root and cell.cell_type == "code" and cell.source.strip() else None
        if start is None:
            return await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        limit = self._cell_budget(cell)
        self._over, self._interrupting = None, None
        watcher = asyncio.ensure_future(self._watch(root, start, limit)) if self.cpu_budgets else None
        try:
            result = await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        finally:
            if watcher is not None:
                watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await watcher
            if self._interrupting is not None:  # the kernel acted on it: it cannot land in the next cell
                with contextlib.suppress(Exception):
                    await self._interrupting
                self._interrupting = None
            end = _budget.tree_cpu_seconds(root)
            if end is not None and cell.get("id"):
                self.cpu_seconds[cell.id] = round(end - start, 3)
        if self._over is not None:
            # the kernel's KeyboardInterrupt (or whatever the interrupt became) gives way to the reason
            cell.outputs = [o for o in cell.outputs if o.get("output_type") != "error"] + [_over_budget(self._over, False)]
            self._over = None
        return result

    execute_cell = run_sync(async_execute_cell)  # nbclient binds the base coroutine by name

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
