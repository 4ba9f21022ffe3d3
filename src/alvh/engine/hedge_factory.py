"""What a run's hedge instruments cost (``hedge_costs``), for the engine's hedge pricer
(``Engine(..., hedge_costs=)``): a rule prices nothing itself. Which rule a config names is the
strategy's (``alvh.strategy.hedge.factory.make_hedge``).
"""

from __future__ import annotations

from dataclasses import fields, replace

from alvh.config.execution import ExecutionConfig
from alvh.config.hedge import HedgeConfig
from alvh.engine.costs import HedgeCosts, cost_model

__all__ = ["hedge_costs"]


def hedge_costs(
    cfg: HedgeConfig, execution: ExecutionConfig | None = None, **costs: object
) -> HedgeCosts:
    """Return the hedge instruments' costs a run's configs set.

    Parameters
    ----------
    cfg
        The hedge config (``instruments.vx_fill_ticks``).
    execution
        The run's execution config: its cost model (spreads, slippage, fees, sub-tick rules)
        and futures initial margins (default: ``ExecutionConfig()``).
    **costs
        ``HedgeCosts`` fields set on top (e.g. ``vx_initial_margin_usd=...``).

    Raises
    ------
    TypeError
        If a cost keyword is not a ``HedgeCosts`` field.
    """
    known = {f.name for f in fields(HedgeCosts)}
    bad = sorted(set(costs) - known)
    if bad:
        raise TypeError(f"unknown hedge cost(s) {', '.join(bad)}; expected some of {sorted(known)}")
    ex = execution if execution is not None else ExecutionConfig()
    base = HedgeCosts(
        model=cost_model(ex),
        vx_initial_margin_usd=ex.futures_initial_margin_usd.vx_future,
        vxm_initial_margin_usd=ex.futures_initial_margin_usd.vxm_future,
        vx_fill_ticks=cfg.instruments.vx_fill_ticks,
    )
    return replace(base, **costs)  # type: ignore[arg-type]
