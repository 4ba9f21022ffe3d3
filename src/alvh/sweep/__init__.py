"""Parameter sweeps of the condor book and its hedge, run on Dask.

Orchestration layer (beside report/live): it builds configs with ``alvh.config``, runs each
with the public backtest API (``alvh.backtest.run``) and summarises with ``alvh.runs`` and the
report metrics. Nothing below imports it.

- ``alvh.sweep.grid``: ``--vary`` parsing, validation and the list of configs (``SweepPoint``);
- ``alvh.sweep.task``: what one worker does for one config (market cached per process);
- ``alvh.sweep.results``: row files, the manifest that makes resume safe, the results table;
- ``alvh.sweep.runner``: ``run_sweep``, serially or on a ``dask.distributed`` cluster.
"""

from __future__ import annotations

from alvh.errors import AlvhError


class SweepError(AlvhError):
    """A sweep that cannot run as asked (e.g. an --out folder holding a different sweep)."""


__all__ = ["SweepError"]
