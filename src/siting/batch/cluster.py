"""Run many scenario files on Dask distributed: a LocalCluster by default, or an existing
cluster by scheduler address. Workers write each finished run atomically into its own folder
(so the output directory must be on a filesystem every worker sees); a worker that dies mid-run
has its task rescheduled on another worker by the Dask scheduler, and the atomic publish keeps
every run exactly once.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import SitingError
from .manifest import RunSpec
from .runner import TMP_PREFIX, Runner, execute, finished_record, pipeline_runner
from .summary import write_summary


@dataclass(frozen=True)
class BatchReport:
    rows: list[dict[str, Any]]
    summary_csv: Path
    summary_md: Path
    skipped: int
    ran: int

    @property
    def failed(self) -> int:
        return sum(1 for r in self.rows if r.get("status") == "error")


@contextmanager
def dask_client(scheduler: str | None = None, n_workers: int | None = None,
                ) -> Iterator[Any]:
    """A connected ``distributed.Client``: to ``scheduler`` if given, else a fresh LocalCluster
    of single-threaded worker processes (one per core, at most ``n_workers``)."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise SitingError("batch runs need Dask distributed: pip install 'siting[batch]'") from None
    if scheduler:
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError) as exc:
            raise SitingError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
        try:
            yield client
        finally:
            client.close()
        return
    workers = n_workers or max(1, min(os.cpu_count() or 1, 4))
    with _workers_ignore_sigint():
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=":0")
    client = Client(cluster)
    try:
        yield client
    except BaseException:
        with quiet_dask():  # stopping on Ctrl-C: no nanny warnings or tracebacks
            client.close()
            cluster.close()
        raise
    client.close()
    cluster.close()


@contextmanager
def _workers_ignore_sigint() -> Iterator[None]:
    """Start worker processes with SIGINT ignored (an ignored signal stays ignored across
    exec): Ctrl-C in the terminal reaches the whole process group, and only this process
    should act on it — by closing the cluster — instead of every nanny printing a traceback."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    # worker processes log at error level only: a stopped batch must not print each
    # cancelled task (the batch records failures itself, naming the run)
    env = os.environ.get(_WORKER_LOGGING)
    os.environ[_WORKER_LOGGING] = "error"
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if env is None:
            os.environ.pop(_WORKER_LOGGING, None)
        else:
            os.environ[_WORKER_LOGGING] = env


_WORKER_LOGGING = "DASK_LOGGING__DISTRIBUTED"


@contextmanager
def quiet_dask() -> Iterator[None]:
    """Silence Dask's shutdown chatter (logging and warnings) while a stopped batch closes."""
    import logging
    import warnings

    loggers = [logging.getLogger(n) for n in ("distributed", "tornado", "asyncio")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL + 1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)


def clean_partial(out: Path) -> int:
    """Remove folders left by attempts that died before publishing; return how many."""
    count = 0
    # ours (.tmp-<run>-<id>) and the pipeline's own atomic-write siblings (.<name>.tmp-<id>)
    for p in out.iterdir():
        if p.name.startswith(".") and (p.name.startswith(TMP_PREFIX) or ".tmp-" in p.name):
            if p.is_dir():
                shutil.rmtree(p, ignore_errors=True)
            else:
                p.unlink(missing_ok=True)
            count += 1
    return count


def run_batch(
    runs: Sequence[RunSpec],
    out: str | Path,
    *,
    scheduler: str | None = None,
    runner: Runner = pipeline_runner,
    n_workers: int | None = None,
    client: Any | None = None,
    on_done: Callable[[dict[str, Any]], None] | None = None,
) -> BatchReport:
    """Run every not-yet-finished run and write ``summary.csv`` / ``summary.md`` in ``out``.

    Finished runs (their ``run.json`` exists) are skipped, so rerunning after a crash only
    does what is missing. ``client`` reuses an existing Dask client (e.g. for frontier sweeps).
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    clean_partial(out)
    records: dict[str, dict[str, Any]] = {}
    pending = []
    for spec in runs:
        done = finished_record(out, spec.name)
        if done is not None:
            records[spec.name] = {**done, "skipped": True}
        else:
            pending.append(spec)
    if pending:
        try:
            if client is not None:
                _submit_all(client, pending, out, runner, records, on_done)
            else:
                with dask_client(scheduler, n_workers) as c:
                    _submit_all(c, pending, out, runner, records, on_done)
        except KeyboardInterrupt:
            # Ctrl-C / SIGTERM: published runs stay (a rerun skips them); the unfinished
            # attempts' private folders go now, not at the next run; no partial summary
            clean_partial(out)
            raise
    clean_partial(out)
    rows = [records[s.name] for s in runs]
    csv_path, md_path = write_summary(rows, out)
    return BatchReport(rows, csv_path, md_path, skipped=len(runs) - len(pending),
                       ran=len(pending))


def _submit_all(client: Any, pending: Sequence[RunSpec], out: Path, runner: Runner,
                records: dict[str, dict[str, Any]],
                on_done: Callable[[dict[str, Any]], None] | None) -> None:
    from distributed import as_completed

    futures = {}
    for spec in pending:
        fut = client.submit(execute, spec, str(out), runner, pure=False, retries=1,
                            key=f"siting-run-{spec.name}-{os.urandom(4).hex()}")
        futures[fut] = spec
    # on Ctrl-C the futures are not cancelled one by one (each worker would log a warning):
    # closing the client releases them, and closing our LocalCluster stops its workers
    _collect(futures, records, on_done, as_completed)


def _collect(futures: dict[Any, RunSpec], records: dict[str, dict[str, Any]],
             on_done: Callable[[dict[str, Any]], None] | None, as_completed: Any) -> None:
    for fut in as_completed(list(futures)):
        spec = futures[fut]
        try:
            rec = fut.result()
        except Exception as exc:  # noqa: BLE001 - KilledWorker, lost scheduler: record, go on
            rec = {"name": spec.name, "scenario": str(spec.scenario), "status": "error",
                   "message": f"{spec.scenario}: {type(exc).__name__}: "
                              f"{' '.join(str(exc).split())[:300]}"}
        fut.release()  # its result is recorded: a later worker death must not recompute it
        records[spec.name] = rec
        if on_done is not None:
            on_done(rec)
