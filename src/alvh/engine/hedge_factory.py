"""Which hedge hook a run uses, with the costs its execution config sets (``make_hedge``).

The hooks: ``alvh.engine.alvh_hedge.AlvhHedge`` (the ALVH rule), ``alvh.engine.vxth_hedge.
VxthHedge`` (CBOE's VIX Tail Hedge benchmark overlay) and ``alvh.engine.hedge_hook.NoHedge``.
"""

from __future__ import annotations

from dataclasses import fields, replace

from alvh.config.execution import ExecutionConfig, SpreadConfig
from alvh.config.hedge import HedgeConfig
from alvh.engine.alvh_hedge import AlvhHedge
from alvh.engine.hedge_hook import HedgeHook, NoHedge
from alvh.engine.hedge_ledger import FillTiming
from alvh.engine.hedge_pricing import HedgeCosts, Spread
from alvh.engine.vxth_hedge import VxthHedge

__all__ = ["hedge_costs_from_execution", "make_hedge"]


def _spread(c: SpreadConfig) -> Spread:
    return Spread(c.min_tick, c.a, c.b, c.far_otm_delta, c.far_otm_multiplier)


def hedge_costs_from_execution(execution: ExecutionConfig) -> HedgeCosts:
    """Return the hedge costs a run's execution config sets: fees (commission + exchange fee),
    futures initial margins, spread models and the fraction of the half-spread a fill pays."""
    f = execution.fees
    return HedgeCosts(
        vx_fee_usd=f.vx_future.commission_usd + f.vx_future.exchange_fee_usd,
        vxm_fee_usd=f.vxm_future.commission_usd + f.vxm_future.exchange_fee_usd,
        vix_option_fee_usd=f.vix_option.commission_usd + f.vix_option.exchange_fee_usd,
        etf_fee_per_share_usd=f.etf.commission_usd + f.etf.exchange_fee_usd,
        vx_initial_margin_usd=execution.futures_initial_margin_usd.vx_future,
        vxm_initial_margin_usd=execution.futures_initial_margin_usd.vxm_future,
        vx_spread=_spread(execution.spreads.vx_future),
        vxm_spread=_spread(execution.spreads.vxm_future),
        vix_option_spread=_spread(execution.spreads.vix_option),
        etf_spread=_spread(execution.spreads.etf),
        slippage_frac=execution.slippage_frac_of_half_spread,
    )


def make_hedge(
    cfg: HedgeConfig,
    execution: ExecutionConfig | None = None,
    fill_timing: FillTiming | None = None,
    **costs: object,
) -> HedgeHook:
    """Return the hedge hook a config names: ``NoHedge``, ``AlvhHedge`` or ``VxthHedge``.

    Parameters
    ----------
    cfg
        The hedge config (``rule`` picks the hook).
    execution
        The run's execution config: hedge fees, margins, spreads and fill timing come from it
        (default: ``HedgeCosts()`` and ``next_close``).
    fill_timing
        Overrides the execution config's fill timing.
    **costs
        ``HedgeCosts`` fields set on top (e.g. ``vx_fee_usd=2.5``, ``vx_initial_margin_usd=...``).

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
    timing: FillTiming = fill_timing or (
        "same_close"
        if execution is not None and execution.fill_timing == "same_close"
        else "next_close"
    )
    if cfg.rule == "alvh":
        return AlvhHedge(cfg, c, timing)
    if cfg.rule == "vxth":
        return VxthHedge(cfg, c, timing)
    return NoHedge()
