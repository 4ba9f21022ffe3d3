"""Which hedge hook a run uses, with the costs its execution config sets (``make_hedge``).

The hooks: ``alvh.engine.alvh_hedge.AlvhHedge`` (the ALVH rule), ``alvh.engine.vxth_hedge.
VxthHedge`` (CBOE's VIX Tail Hedge benchmark overlay) and ``alvh.engine.hedge_hook.NoHedge``.
"""

from __future__ import annotations

from dataclasses import fields, replace

from alvh.config.execution import ExecutionConfig
from alvh.config.hedge import HedgeConfig
from alvh.engine.alvh_hedge import AlvhHedge
from alvh.engine.costs import HedgeCosts, cost_model
from alvh.engine.hedge_hook import HedgeHook, NoHedge
from alvh.engine.vxth_hedge import VxthHedge

__all__ = ["hedge_costs_from_execution", "make_hedge"]


def hedge_costs_from_execution(execution: ExecutionConfig) -> HedgeCosts:
    """Return the hedge costs a run's execution config sets: its cost model (spreads, slippage,
    fees, sub-tick rules) and the futures initial margins."""
    return HedgeCosts(
        model=cost_model(execution),
        vx_initial_margin_usd=execution.futures_initial_margin_usd.vx_future,
        vxm_initial_margin_usd=execution.futures_initial_margin_usd.vxm_future,
    )


def make_hedge(
    cfg: HedgeConfig,
    execution: ExecutionConfig | None = None,
    **costs: object,
) -> HedgeHook:
    """Return the hedge hook a config names: ``NoHedge``, ``AlvhHedge`` or ``VxthHedge``.

    Parameters
    ----------
    cfg
        The hedge config (``rule`` picks the hook).
    execution
        The run's execution config: hedge fees, margins and spreads come from it (default:
        ``ExecutionConfig()``).
    **costs
        ``HedgeCosts`` fields set on top (e.g. ``vx_initial_margin_usd=...``); fees and spreads
        come from ``execution``.

    Raises
    ------
    TypeError
        If a cost keyword is not a ``HedgeCosts`` field.
    """
    known = {f.name for f in fields(HedgeCosts)}
    bad = sorted(set(costs) - known)
    if bad:
        raise TypeError(f"unknown hedge cost(s) {', '.join(bad)}; expected some of {sorted(known)}")
    base = HedgeCosts() if execution is None else hedge_costs_from_execution(execution)
    base = replace(base, vx_fill_ticks=cfg.instruments.vx_fill_ticks)
    c = replace(base, **costs)  # type: ignore[arg-type]
    if cfg.rule == "alvh":
        return AlvhHedge(cfg, c)
    if cfg.rule == "vxth":
        return VxthHedge(cfg, c)
    return NoHedge()
