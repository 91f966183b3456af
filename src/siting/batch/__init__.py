"""Batches of scenario runs on Dask distributed (``siting batch``)."""

from .cluster import BatchReport, dask_client, run_batch
from .manifest import RunSpec, apply_overrides, read_manifest
from .runner import execute, pipeline_runner

__all__ = ["BatchReport", "RunSpec", "apply_overrides", "dask_client", "execute",
           "pipeline_runner", "read_manifest", "run_batch"]
