"""Public API: run a backtest from a config and write its run directory.

Orchestration layer: config + market -> engine -> run directory (summary.json, CSVs, journal).
The CLI and ``alvh compare`` call only this.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from alvh import __version__
from alvh._fingerprint import code_fingerprint
from alvh.calendar.listings import product_label
from alvh.config.load import dump_toml, run_id
from alvh.config.run import RunConfig
from alvh.engine.from_config import engine_settings
from alvh.engine.loop import Engine
from alvh.engine.result import BacktestResult
from alvh.market.data import MarketData
from alvh.orders import price_orders
from alvh.runs import write_run_dir
from alvh.strategy.hedge.adapter import HedgeRule, NoHedge

# capital.size_condors_on in words (docs/book-and-config.md, docs/report.md).
SIZING_NAME = {"hedged": "own sizing (matched risk)", "unhedged": "twin sizing"}
SIZING_TEXT = {
    "hedged": "own sizing (matched risk): each tier sizes condors on the hedged book's own "
    "equity; the unhedged twin holds the same condors",
    "unhedged": "twin sizing: each tier sizes condors on the unhedged twin's equity; the hedged "
    "book holds the same condors, sized for more than its own equity when the hedge loses",
}


def hedge_for(cfg: RunConfig) -> HedgeRule:
    """Return the hedge rule a config asks for (``NoHedge`` for preset 'none')."""
    if cfg.hedge.rule == "none":
        return NoHedge()
    from alvh.strategy.hedge.factory import make_hedge

    return make_hedge(cfg.hedge)


def definitions(cfg: RunConfig, data: MarketData) -> dict[str, object]:
    """Return the definitions a result rests on, written beside every number."""
    return {
        "data": data.source.description,
        "capital_base_usd": cfg.capital.initial_usd,
        "capital_base": "initial capital (returns and drawdowns are of total equity)",
        "cash_rate": cfg.capital.cash_rate,
        "cash_interest": "simple interest on the signed cash balance, ACT/360",
        "ruin": "a book whose equity reaches zero stops trading; its positions close at the marks and its equity is held from then on",
        "code": f"alvh {__version__}, code fingerprint {code_fingerprint()}",
        "condor_sizing": SIZING_TEXT[cfg.capital.size_condors_on],
        "condor_sizing_convention": SIZING_NAME[cfg.capital.size_condors_on],
        "risk_per_condor": "max loss = widest wing x 100 - credit, capped at the tier's % of equity",
        "fills": f"{cfg.execution.fill_timing}; mid +/- {cfg.execution.slippage_frac_of_half_spread:g} x the modelled half-spread, rounded to the tick against the trader",
        "spreads": f"SPX options fit to real quotes (docs/costs.md), band '{cfg.execution.spread_band}' (e = {cfg.execution.spread_error_frac:g}); VIX options, VX, VXM, ETF modelled, not fit",
        "near_worthless_legs": f"long wings below a tick: {cfg.execution.sub_tick_long}; shorts below a tick: {cfg.execution.sub_tick_short}",
        "decision_time_et": cfg.execution.decision_time,
        "option_prices": "model (SSVI surface from the VIX term structure and SKEW, calibrated on SPXW chains 2018-01)",
        "spx_am_settlement": "official SOQ if imported, else the day's SPX open, else its close",
        "condor_expiries": "; ".join(f"{t.name}: {product_label(t.product)}" for t in cfg.tiers)
        + " (the expiry listed on the entry day nearest the tier's target DTE; an SPX AM"
        " monthly where SPX and SPXW expire on one day; docs/calendar.md)",
        "hedge": cfg.hedge.preset,
        "notional_base": getattr(getattr(cfg.hedge, "sizing", None), "notional_base", None),
        "sessions_per_year": 252,
    }


def run(
    cfg: RunConfig,
    data: MarketData,
    progress: Callable[[int, int], None] | None = None,
    *,
    order_prices: bool = True,
) -> BacktestResult:
    """Run a backtest and return its result (nothing written).

    Its ``orders`` carry ``model_price`` and ``limit_price``, priced at the close each order
    was decided at with the run's own surface, cost model and hedge pricer (``alvh.orders``);
    ``order_prices=False`` leaves them out (about a tenth of a hedged run's time; the engine
    benchmark uses it to time the engine alone).
    """
    settings = engine_settings(cfg)
    from alvh.engine.hedge_factory import hedge_costs

    engine = Engine(settings, data, hedge_for(cfg), hedge_costs(cfg.hedge, cfg.execution))
    rid = run_id(cfg, data.source.data_id, f"{__version__}+code.{code_fingerprint()}")
    result = engine.run(rid, cfg.model_dump(mode="json"), definitions(cfg, data), progress)
    if not order_prices:
        return result
    orders = price_orders(result.orders, result.journal, settings, data, engine.pricer)
    return dataclasses.replace(result, orders=orders)


def run_backtest(
    config: RunConfig,
    data: MarketData,
    out: Path,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Run a backtest and write its run directory; return the directory."""
    result = run(config, data, progress)
    return write_run_dir(result, Path(out), dump_toml(config))
