"""Small hand-made hedge market for the decision and sizing tests (numbers chosen for arithmetic)."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from alvh.config.hedge import HedgeConfig, hedge_preset
from alvh.strategy.hedge.instruments import InstrumentQuote
from alvh.strategy.hedge.sizing import BookExposure
from alvh.strategy.hedge.state import CondorColumns, CondorView, HedgeInputs

DAY0 = date(2024, 1, 2)

EXPOSURE = BookExposure(
    short_vega_usd_per_vol_pt=10_000.0,
    max_loss_usd=100_000.0,
    margin_usd=120_000.0,
    spx_notional_usd=4_000_000.0,
    capital_usd=1_000_000.0,
)


def quotes(today: date) -> tuple[InstrumentQuote, ...]:
    """VX at 20/50/80 days (beta 0.5/0.4/0.3), calls at the same expiries, and an ETF."""
    out = []
    for i, (dte, beta) in enumerate(((20, 0.5), (50, 0.4), (80, 0.3))):
        exp = today + timedelta(days=dte)
        out.append(
            InstrumentQuote(f"VX{i + 1}", "vx", 20.0 + i, 1000.0, beta, -1.5, exp, f"VXM{i + 1}")
        )
        out.append(InstrumentQuote(f"C{i + 1}", "vix_call", 2.0, 100.0, 0.25, -0.6, exp))
    out.append(InstrumentQuote("VXX", "etf", 25.0, 1.0, 0.6, -1.0, None))
    return tuple(out)


def config(preset: str = "alvh-123", **over: dict) -> HedgeConfig:
    base = hedge_preset(preset)
    parts = {k: base.__getattribute__(k).model_copy(update=v) for k, v in over.items()}
    return base.model_copy(update=parts)


def inputs(
    session: int,
    iv_now: float = 20.0,
    iv_before: float = 20.0,
    spot: float = 4000.0,
    short_put: float = 3600.0,
    events: tuple[tuple[date, str], ...] = (),
    vx1: float = 20.0,
    vx2: float = 21.0,
    gains: dict[int, float] | None = None,
    exposure: BookExposure = EXPOSURE,
) -> HedgeInputs:
    """A quiet day unless told otherwise: RSI 50 (alternating VIX), far strikes, contango."""
    today = DAY0 + timedelta(days=session)
    vix_hist = 20.0 + np.tile([0.2, -0.2], 30)
    condor = CondorView(short_put, 4400.0, short_put - 10, 4410.0, 0.20, 30.0)
    return HedgeInputs(
        session_index=session,
        today=today,
        iv_now=iv_now,
        iv_before=iv_before,
        spot=spot,
        exposure=exposure,
        condors=CondorColumns.of((condor,)),
        leg_deltas=(-0.10, -0.03, 0.08, 0.02),
        leg_contracts=(-1, 1, -1, 1),
        n_condors=1,
        vix_closes=vix_hist,
        spx_closes=np.linspace(3990, 4000, 60),
        vx1=vx1,
        vx2=vx2,
        vix=19.0,
        vix3m=21.0,
        next_sessions=tuple(today + timedelta(days=k) for k in (1, 2, 3)),
        events=events,
        quotes=quotes(today),
        layer_gains_usd=gains or {},
    )
