"""VIX options: Black-76 on the VX future of the expiry, checked against QuantLib."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from alvh.errors import NoDataError, PricingError
from alvh.market.data import DataSource, MarketData
from alvh.market.schema import TABLES
from alvh.market.vixoptions import (
    VIX_OPTION_MULTIPLIER_USD,
    VX_MULTIPLIER_USD,
    VXM_MULTIPLIER_USD,
    VixOptionModel,
    strike_for_delta,
    vix_option_greeks,
)
from alvh.market.vxcurve import VxCurve

ql = pytest.importorskip("QuantLib")

# 2017-06-01, calm contango: spot VIX ~10, VXN17 (48 days) 12.4.
CURVE = VxCurve.from_rows(
    "2017-06-01",
    ["VXM17", "VXN17", "VXQ17"],
    ["2017-06-21", "2017-07-19", "2017-08-16"],
    [11.0, 12.4, 13.0],
    vix_spot=10.0,
)
STRIKES = np.array([9.0, 11.0, 12.0, 12.5, 14.0, 17.0, 20.0, 30.0])


def ql_black(is_call: bool, strike: float, fwd: float, vol: float, t: float, df: float) -> float:
    kind = ql.Option.Call if is_call else ql.Option.Put
    return ql.blackFormula(kind, strike, fwd, vol * math.sqrt(t), df)


@pytest.mark.parametrize("is_call", [True, False])
def test_prices_match_quantlib_black_formula_on_the_vx_forward(is_call: bool) -> None:
    rate = 0.0095
    g = vix_option_greeks(CURVE, "2017-07-19", STRIKES, is_call, vvix=95.0, rate=rate)
    model = VixOptionModel(95.0)
    t = 48 / 365
    vols = model.vol(12.4, STRIKES, 48)
    df = math.exp(-rate * t)
    want = [ql_black(is_call, k, 12.4, v, t, df) for k, v in zip(STRIKES, vols, strict=True)]
    np.testing.assert_allclose(g.price, want, rtol=1e-10, atol=1e-12)
    # delta on the forward, against QuantLib's BlackCalculator
    kind = ql.Option.Call if is_call else ql.Option.Put
    for k, v, d in zip(STRIKES, vols, g.delta, strict=True):
        calc = ql.BlackCalculator(ql.PlainVanillaPayoff(kind, float(k)), 12.4, v * math.sqrt(t), df)
        assert d == pytest.approx(calc.deltaForward(), rel=1e-9, abs=1e-12)


def test_call_put_parity_on_the_vx_future_not_spot() -> None:
    rate = 0.02
    c = vix_option_greeks(CURVE, "2017-07-19", STRIKES, True, vvix=90.0, rate=rate).price
    p = vix_option_greeks(CURVE, "2017-07-19", STRIKES, False, vvix=90.0, rate=rate).price
    df = math.exp(-rate * 48 / 365)
    np.testing.assert_allclose(c - p, df * (12.4 - STRIKES), atol=1e-12)
    # with spot VIX (10) as forward parity would be off by df * 2.4 points
    assert not np.allclose(c - p, df * (10.0 - STRIKES), atol=0.1)


def test_vol_term_structure_and_call_skew() -> None:
    m = VixOptionModel(100.0, beta=0.4)
    assert m.atm_vol(30) == pytest.approx(1.00)
    assert m.atm_vol(120) == pytest.approx((30 / 120) ** 0.4)  # 0.574
    assert m.atm_vol(2) == pytest.approx((30 / 7) ** 0.4)  # bounded below at 7 days
    v = m.vol(20.0, [15.0, 20.0, 26.0, 40.0], 30)
    assert v[1] == pytest.approx(1.0)
    assert v[2] == pytest.approx(1.0 + 0.6 * math.tanh(math.log(26 / 20)))
    assert m.vol(20.0, 26.0, 120) == pytest.approx(
        m.atm_vol(120) * (1 + 0.6 * math.tanh(math.log(1.3)))
    )
    assert v[0] < v[1] < v[2] < v[3]


@pytest.mark.parametrize("vvix", [60.0, 100.0, 160.0])
def test_smile_is_free_of_static_arbitrage(vvix: float) -> None:
    # Calls fall and puts rise with the strike, and call prices are convex in the strike
    # (no negative butterfly), from 1 to 365 days, strikes 0.3x to 5x the forward.
    m = VixOptionModel(vvix)
    fwd = 18.0
    ks = np.linspace(0.3 * fwd, 5.0 * fwd, 500)
    for days in (1, 5, 30, 90, 180, 365):
        calls = m.greeks(fwd, ks, days, True, 0.03).price
        puts = m.greeks(fwd, ks, days, False, 0.03).price
        assert np.all(np.diff(calls) < 0) and np.all(np.diff(puts) > 0), days
        assert np.diff(calls, 2).min() > -1e-10, days


def test_strike_for_30_delta_call() -> None:
    m = VixOptionModel(95.0)
    k = strike_for_delta(12.4, 48, 0.30, m, rate=0.01)
    assert k > 12.4
    assert float(m.greeks(12.4, k, 48, True, 0.01).delta) == pytest.approx(0.30, abs=1e-9)
    assert strike_for_delta(12.4, 48, 0.30, m, rate=0.01, strike_step=0.5) % 0.5 == 0
    kp = strike_for_delta(12.4, 48, -0.25, m, is_call=False)
    assert kp < 12.4
    with pytest.raises(PricingError):
        strike_for_delta(12.4, 48, 1.3, m)


def test_multipliers() -> None:
    assert (VX_MULTIPLIER_USD, VXM_MULTIPLIER_USD, VIX_OPTION_MULTIPLIER_USD) == (1000, 100, 100)


def _snapshot_market() -> MarketData:
    day = pd.Timestamp("2017-06-01")
    known = day + pd.Timedelta(hours=16, minutes=15)
    vx = pd.DataFrame(
        {
            "date": [day] * 3,
            "contract": list(CURVE.contracts),
            "expiry": CURVE.expiries,
            "settle": CURVE.settles,
            "known_at": [known] * 3,
        }
    )
    bars = pd.DataFrame(
        {"symbol": ["VIX", "VVIX"], "date": [day] * 2, "close": [10.0, 88.0], "known_at": known}
    )
    rates = pd.DataFrame(
        {"series": ["IRX"], "date": [day], "value_pct": [0.95], "known_at": [known]}
    )
    tables = {"events": TABLES["events"].empty(), "rates": rates}
    tables.update(index_bars=bars, vx_settlements=vx)
    return MarketData(tables, DataSource("store", "t", "hand-made"))


def test_snapshot_supplies_vvix_and_rate() -> None:
    snap = _snapshot_market().snapshot("2017-06-01 17:00")
    g = vix_option_greeks(snap, "2017-07-19", [14.0], True)
    want = vix_option_greeks(CURVE, "2017-07-19", [14.0], True, vvix=88.0, rate=0.0095)
    assert float(g.price[0]) == pytest.approx(float(want.price[0]), rel=1e-12)


def test_expiry_without_a_future_is_a_typed_error() -> None:
    with pytest.raises(NoDataError, match="no contract settles on 2017-07-18"):
        vix_option_greeks(CURVE, "2017-07-18", [14.0], True, vvix=90.0, rate=0.0)
