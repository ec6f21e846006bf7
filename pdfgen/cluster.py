"""Build jobs on a Dask distributed cluster: `pdfgen build --scheduler tcp://HOST:PORT`.

The build's plan and commit stay in this process (docs/build.md); only the pure jobs
(`build.run_task`: a Task in, PDF bytes and findings out) run on the cluster's workers,
through `DaskExecutor`, a `concurrent.futures.Executor` the build uses like any other.
Workers need pdfgen (the same version: each job checks) but no shared folder: a Task
carries the handout, its confirmations and figures as bytes, and the loaded clinic and
layouts; fonts and catalogs come from the worker's own pdfgen.

Dask is an optional extra (`pip install "pdfgen[dask]"`); this module imports it only when
a scheduler is named. Workers import this module by name to run `remote_job`.
"""

from __future__ import annotations

import concurrent.futures as cf
import os
import threading
import uuid
from contextlib import contextmanager
from pathlib import Path

from .errors import PdfgenError, UsageError

CONNECT_TIMEOUT = 10.0  # seconds to reach the scheduler before the build gives up
INSTALL = 'pip install "pdfgen[dask]"'
KEY_PREFIX = "pdfgen-build"  # task keys: pdfgen-build-<handout id>-<random>
LOST = "the Dask scheduler was lost before its job finished ({reason}); build again"
WRONG_ENGINE = ("not built: the Dask worker {worker} runs a different pdfgen (its version, "
                "code, fonts, catalogs or libraries differ from this machine's): install the "
                "same pdfgen on every worker, then build again")

# -- worker side -------------------------------------------------------------------------------

_lock = threading.Lock()  # SOURCE_DATE_EPOCH is process-wide: one job at a time per process
_engines: dict[str | None, str] = {}  # SOURCE_DATE_EPOCH -> this process's engine hash


def _engine(epoch: str | None) -> str:
    from .build import engine_hash

    if epoch not in _engines:
        _engines[epoch] = engine_hash()
    return _engines[epoch]


def remote_job(task, epoch: str | None, engine: str):
    """Run one build job on a worker as the build process would run it: with the build
    process's SOURCE_DATE_EPOCH (the date stamped into the PDFs), and only if this worker's
    pdfgen would make the same bytes (same engine hash as the build process), else every
    output of the task fails with a message naming the worker. Writes no file."""
    from .build import _failed_all, run_task
    from .errors import Finding, Pos

    with _lock:
        before = os.environ.get("SOURCE_DATE_EPOCH")
        _set_epoch(epoch)
        try:
            if _engine(epoch) != engine:
                worker = _worker_name()
                return _failed_all(task, [Finding(Pos(task.shown), "",
                                                  WRONG_ENGINE.format(worker=worker))])
            return run_task(task)
        finally:
            _set_epoch(before)


def _set_epoch(value: str | None) -> None:
    if value is None:
        os.environ.pop("SOURCE_DATE_EPOCH", None)
    else:
        os.environ["SOURCE_DATE_EPOCH"] = value


def _worker_name() -> str:
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):
        return f"pid {os.getpid()}"


# -- build process side ------------------------------------------------------------------------


def _distributed():
    try:
        import distributed
    except ImportError:
        raise UsageError(f"--scheduler needs Dask distributed, which is not installed: "
                         f"{INSTALL}") from None
    return distributed


class SchedulerError(PdfgenError):
    """The scheduler named by --scheduler could not be reached (exit status 1)."""


def check_address(address: str) -> None:
    """A usage error unless `address` is one a Dask client can connect to (scheme, host,
    port), before any connection is tried."""
    _distributed()
    from distributed.comm import get_address_host_port

    try:
        host, port = get_address_host_port(address)
    except ValueError as exc:
        raise UsageError(f"--scheduler {address}: not a scheduler address ({exc}); give it as "
                         f"tcp://HOST:PORT, as `dask scheduler` prints it") from None
    if not host or not port:
        raise UsageError(f"--scheduler {address}: not a scheduler address; give it as "
                         f"tcp://HOST:PORT, as `dask scheduler` prints it")


@contextmanager
def connect(address: str, timeout: float = CONNECT_TIMEOUT):
    """A `distributed.Client` connected to the scheduler at `address`, closed on leaving.
    A scheduler that does not answer within `timeout` seconds is a SchedulerError."""
    distributed = _distributed()
    check_address(address)
    import logging

    # the client logs a lost scheduler with a traceback; the build reports it in its own
    # words (each job not finished fails, naming the lost connection)
    quiet = logging.getLogger("distributed.client")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)
    try:
        yield from _connected(distributed, address, timeout)
    finally:
        quiet.setLevel(level)


def _connected(distributed, address: str, timeout: float):
    try:
        client = distributed.Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        text = str(exc).strip().splitlines()
        raise SchedulerError(f"--scheduler {address}: cannot reach the Dask scheduler "
                             f"({text[0] if text else type(exc).__name__}); start it with "
                             f"`dask scheduler`, or check the address") from None
    try:
        yield client
    finally:
        client.close()


class DaskExecutor(cf.Executor):
    """Runs build jobs (`submit(run_task, task)`) on a Dask cluster; concurrent.futures
    futures, so `build_library(executor=...)` and its progress and commit are unchanged.

    Each job carries this process's SOURCE_DATE_EPOCH and engine hash (`remote_job`). Dask
    runs a job again elsewhere when its worker is lost mid-job (up to the scheduler's
    `allowed-failures`); one it gave up on fails its handout's PDFs like a worker that died
    in a local pool. Only this process writes files, so a job run twice writes nothing twice.
    """

    def __init__(self, client):
        from .build import engine_hash

        self.client = client
        self.epoch = os.environ.get("SOURCE_DATE_EPOCH")
        self.engine = engine_hash()
        # the Dask futures not settled yet (held: a Dask future dropped is a task cancelled);
        # a settled one is let go, so the cluster does not hold every PDF until the build ends
        self._pending = set()
        self._shutdown = False
        self._lost = ""  # why the scheduler was lost, once a job said so: submit no more

    def capacity(self) -> int:
        """How many jobs the cluster runs at once now: its workers' threads (at least 1).
        The build keeps a few jobs per thread submitted, not the whole library."""
        try:
            return max(1, sum(self.client.nthreads().values()))
        except Exception:  # noqa: BLE001 (it only sizes the build's window)
            return 1

    def submit(self, fn, /, *args, **kwargs):
        from .build import run_task

        if self._shutdown:
            raise RuntimeError("cannot submit after shutdown")
        if fn is not run_task or len(args) != 1 or kwargs:
            raise TypeError("DaskExecutor runs build jobs only: submit(run_task, task)")
        # the build submits jobs as results arrive: once the scheduler is gone, a job sent
        # now would wait for a reconnection that does not come; it fails at once instead
        if self._lost or self.client.status != "running":
            raise ConnectionError(self._lost or LOST.format(
                reason=f"the client is {self.client.status}"))
        task = args[0]
        key = f"{KEY_PREFIX}-{Path(task.handout).stem}-{uuid.uuid4().hex}"
        future = self.client.submit(remote_job, task, self.epoch, self.engine, key=key,
                                    pure=False)
        self._pending.add(future)
        mirror = cf.Future()
        mirror.set_running_or_notify_cancel()

        def settle(done) -> None:
            try:
                _settle(done, mirror)
                lost = mirror.exception()
                if isinstance(lost, ConnectionError) and not self._lost:
                    self._lost = str(lost)
            finally:
                self._pending.discard(done)

        future.add_done_callback(settle)
        return mirror

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        if self._shutdown:
            return
        self._shutdown = True
        if cancel_futures or not wait:
            self.client.cancel(list(self._pending))


def _settle(future, mirror: cf.Future) -> None:
    """Carry a Dask future's outcome over to a concurrent.futures one (in Dask's callback
    thread): a task Dask gave up on after its workers died becomes BrokenExecutor (the
    build's "worker stopped unexpectedly" failure)."""
    from distributed import KilledWorker

    try:
        result = future.result()
    except KilledWorker as exc:
        mirror.set_exception(cf.BrokenExecutor(str(exc)))
    except cf.CancelledError as exc:  # the scheduler went away (or the job was cancelled)
        reason = str(getattr(exc, "reason", "") or "cancelled").splitlines()[0].strip(" .")
        mirror.set_exception(ConnectionError(LOST.format(reason=reason)))
    except BaseException as exc:  # cancelled, lost scheduler, an error in the job
        mirror.set_exception(exc if isinstance(exc, Exception) else RuntimeError(repr(exc)))
    else:
        mirror.set_result(result)
