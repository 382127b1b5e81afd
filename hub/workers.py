"""Intake worker processes: ``atlas-hub run --workers N`` and ``atlas-hub worker``.

One process serves HTTP, SMTP and intake consumers on one event loop; under load the
listeners starve the consumers and everything shares one core. With workers, the
``run`` process keeps the listeners (role ``web``) and each worker process (role
``worker``) runs the intake consumers, background jobs and the SLA monitor against the
same NATS and database. JetStream hands each message of a durable consumer to one of
the processes pulling from it, and every intake step is idempotent, so any number of
workers is safe; SQLite serialises their writes with ``BEGIN IMMEDIATE`` and its busy
timeout.

The pool restarts a worker that dies (after a pause that grows to 30 s) and stops them
all, SIGTERM first, when the hub stops; a worker whose ``run`` process was killed stops
by itself.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys

from hub.logs import get_logger
from hub.runtime import Hub
from hub.settings import Settings

log = get_logger("hub.workers")

#: how long a worker gets to finish its batch after SIGTERM before it is killed
STOP_SECONDS = 6.0
#: the pid of the ``run`` process that started a worker (a worker stops without it)
PARENT_ENV = "ATLAS_WORKER_PARENT"


def worker_command(settings: Settings, nats_url: str) -> list[str]:
    """The command line of one worker process for a ``run`` process's settings."""
    cmd = [sys.executable, "-m", "hub.cli", "worker", "--home", str(settings.home)]
    cmd += ["--nats-url", nats_url, "--log-format", settings.log_format]
    if settings.database_url:
        cmd += ["--database-url", settings.database_url]
    if settings.plugins_config:
        cmd += ["--plugins-config", str(settings.plugins_config)]
    return cmd


class WorkerPool:
    """``settings.workers`` child processes, kept running until :meth:`stop`."""

    def __init__(self, settings: Settings, nats_url: str) -> None:
        self.command = worker_command(settings, nats_url)
        self.count = settings.workers
        self.procs: dict[int, asyncio.subprocess.Process] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False

    async def start(self) -> None:
        for slot in range(self.count):
            await self._spawn(slot)
            self._tasks.append(asyncio.create_task(self._supervise(slot)))

    async def _spawn(self, slot: int) -> None:
        env = {**os.environ, "ATLAS_WORKER_SLOT": str(slot), PARENT_ENV: str(os.getpid())}
        proc = await asyncio.create_subprocess_exec(*self.command, env=env)
        self.procs[slot] = proc
        log.info("worker_started", slot=slot, pid=proc.pid)

    async def _supervise(self, slot: int) -> None:
        pause = 1.0
        while not self._stopping:
            code = await self.procs[slot].wait()
            if self._stopping:
                return
            log.error("worker_exited", slot=slot, code=code, restart_in=pause)
            await asyncio.sleep(pause)
            pause = min(30.0, pause * 2)
            if not self._stopping:
                await self._spawn(slot)

    async def stop(self) -> None:
        self._stopping = True
        for task in self._tasks:
            task.cancel()
        for proc in self.procs.values():
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
        for slot, proc in self.procs.items():
            try:
                await asyncio.wait_for(proc.wait(), STOP_SECONDS)
            except TimeoutError:
                log.warning("worker_killed", slot=slot, pid=proc.pid)
                proc.kill()
                await proc.wait()
        log.info("workers_stopped", count=len(self.procs))


async def run_worker(settings: Settings) -> int:
    """A worker process: start the hub in the ``worker`` role, stop on SIGINT/SIGTERM.

    Also stops when its ``run`` process is gone, even while still starting, and never
    outlives a stop that hangs (NATS died with the ``run`` process, say) by more than
    ``STOP_SECONDS``: an orphaned worker must not linger.
    """
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    orphan_watch = asyncio.create_task(_stop_when_orphaned(stop))
    hub = Hub(settings)
    starting = asyncio.create_task(hub.start())
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
    code = 0
    if starting.done() and starting.exception() is None:
        log.info("worker_ready", pid=os.getpid())
        await stopping
    elif starting.done():
        log.error("worker_start_failed", error=repr(starting.exception()))
        code = 1
    else:
        starting.cancel()  # still connecting (its NATS may be gone with the run process)
        await asyncio.wait({starting}, timeout=STOP_SECONDS)
        if not starting.done():
            _give_up("start")
    orphan_watch.cancel()
    stopping.cancel()
    try:
        await asyncio.wait_for(hub.stop(), STOP_SECONDS)
    except TimeoutError:
        _give_up("stop")
    return code


def _give_up(what: str) -> None:
    """End the process now: a hung shutdown must not leave it running."""
    log.error("worker_exit_forced", during=what, seconds=STOP_SECONDS)
    os._exit(1)  # nothing is lost: what was not acknowledged is redelivered


async def _stop_when_orphaned(stop: asyncio.Event) -> None:
    """Stop when the ``run`` process is gone (killed with SIGKILL, it cannot tell us).

    The parent is named by the pool, not read at start-up: a ``run`` process killed while
    its worker was still importing would otherwise look like the worker's parent was
    init all along.
    """
    named = os.environ.get(PARENT_ENV, "")
    parent = int(named) if named.isdigit() else os.getppid()
    # no event tells a process its parent died: poll (once a second costs nothing)
    while os.getppid() == parent:  # noqa: ASYNC110
        await asyncio.sleep(1.0)
    log.warning("worker_orphaned", parent=parent)
    stop.set()
