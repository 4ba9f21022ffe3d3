"""VIX options: Black-76 on the VX future of the expiry, checked against QuantLib."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from alvh.errors import NoDataError, PricingError
from alvh.market.data import DataSource, MarketData
from alvh.market.schema import TABLES
from alvh.market.vixoptions import (
    FITTED_VIX_OPTION_PARAMS,
    VIX_OPTION_MULTIPLIER_USD,
    VX_MULTIPLIER_USD,
    VXM_MULTIPLIER_USD,
    VixOptionModel,
    VixOptionParams,
    is_weekly_expiry,
    option_forward,
    samuelson_shape,
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


# Constructed parameters: every number below is checked by hand from these.
HAND = VixOptionParams(
    atm_to_vvix=1.0,
    term_exponent=1.0,
    rv_short_vol=0.9,
    rv_long_vol=0.3,
    samuelson_kappa=5.0,
    skew_slope=0.3,
    call_skew_range=6.0,
    put_skew_range=2.0,
    min_days=1.0,
)


@pytest.mark.parametrize("vvix", [55.0, 78.79, 140.0])
def test_vvix_is_the_30_day_atm_level_on_constructed_inputs(vvix: float) -> None:
    # atm_to_vvix = 1: the 30-day ATM vol is VVIX itself, whatever the shape and skew.
    m = VixOptionModel(vvix, HAND)
    assert float(m.atm_vol(30)) == pytest.approx(vvix / 100.0, rel=1e-12)
    assert m.vol_one(17.0, 17.0, 30) == pytest.approx(vvix / 100.0, rel=1e-12)
    # the fitted model scales it by atm_to_vvix
    fitted = VixOptionModel(vvix)
    want = FITTED_VIX_OPTION_PARAMS.atm_to_vvix * vvix / 100.0
    assert float(fitted.atm_vol(30)) == pytest.approx(want, rel=1e-12)


def test_samuelson_shape_is_the_mean_variance_of_the_future_to_expiry() -> None:
    # h(T)^2 = (1/T) * integral_0^T (L^2 + S^2 exp(-2 kappa tau)) dtau, checked by quadrature.
    from scipy.integrate import quad

    for days in (2.0, 30.0, 120.0, 365.0):
        t = days / 365.0
        mean_var = quad(lambda tau: 0.3**2 + 0.9**2 * math.exp(-10.0 * tau), 0.0, t)[0] / t
        assert float(samuelson_shape(t, HAND)) == pytest.approx(math.sqrt(mean_var), rel=1e-10)
    assert float(samuelson_shape(0.0, HAND)) == pytest.approx(math.hypot(0.3, 0.9))


def test_term_structure_and_call_skew_by_hand() -> None:
    m = VixOptionModel(100.0, HAND)
    h = [float(samuelson_shape(d / 365.0, HAND)) for d in (30, 120)]
    assert float(m.atm_vol(120)) == pytest.approx(h[1] / h[0])  # term_exponent 1
    assert float(m.atm_vol(120)) < float(m.atm_vol(30)) < float(m.atm_vol(7))  # Samuelson
    # skew: z = ln(K/F) / (atm sqrt(T)); vol = atm (1 + 0.3 * R tanh(z / R))
    t = 30 / 365
    z = math.log(26 / 20) / (1.0 * math.sqrt(t))
    assert m.vol_one(20.0, 26.0, 30) == pytest.approx(1.0 + 0.3 * 6.0 * math.tanh(z / 6.0))
    zp = math.log(15 / 20) / math.sqrt(t)
    assert m.vol_one(20.0, 15.0, 30) == pytest.approx(1.0 + 0.3 * 2.0 * math.tanh(zp / 2.0))
    v = m.vol(20.0, [15.0, 20.0, 26.0, 40.0], 30)
    assert v[0] < v[1] < v[2] < v[3]
    # near the money the skew in vol points per unit ln(K/F) falls like 1/sqrt(T)
    near = [(m.vol_one(20.0, 20.2, d) - m.vol_one(20.0, 20.0, d)) * math.sqrt(d) for d in (15, 60)]
    assert near[0] == pytest.approx(near[1], rel=0.02)
    # min_days holds the ATM level flat in front, not the moneyness scale
    flat = VixOptionModel(100.0, replace(HAND, min_days=20.0))
    assert float(flat.atm_vol(5)) == pytest.approx(float(flat.atm_vol(20)))
    assert flat.vol_one(20.0, 24.0, 5) > flat.vol_one(20.0, 24.0, 20)


def test_bad_parameters_are_typed_errors() -> None:
    with pytest.raises(PricingError, match="put vols must stay positive"):
        VixOptionModel(90.0, replace(HAND, skew_slope=0.6))
    with pytest.raises(PricingError, match="VVIX"):
        VixOptionModel(float("nan"))


@pytest.mark.parametrize("vvix", [60.0, 78.79, 100.0, 160.0])
def test_smile_is_free_of_static_arbitrage(vvix: float) -> None:
    # Calls fall and puts rise with the strike, and call prices are convex in the strike
    # (no negative butterfly), from 1 to 365 days, strikes 0.3x to 5x the forward.
    m = VixOptionModel(vvix)
    fwd = 18.0
    ks = np.linspace(0.3 * fwd, 5.0 * fwd, 500)
    for days in (1, 5, 30, 90, 180, 365):
        calls = m.greeks(fwd, ks, days, True, 0.03).price
        puts = m.greeks(fwd, ks, days, False, 0.03).price
        # strictly where the prices are not underflowed to zero (a 1-day put at 0.3x F)
        dc, dp = np.diff(calls), np.diff(puts)
        assert np.all(dc <= 1e-15) and np.all(dp >= -1e-15), days
        assert np.all(dc[calls[1:] > 1e-12] < 0) and np.all(dp[puts[:-1] > 1e-12] > 0), days
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


def test_expiry_outside_the_curve_is_a_typed_error() -> None:
    with pytest.raises(NoDataError, match="last listed VX expiry"):
        vix_option_greeks(CURVE, "2017-09-20", [14.0], True, vvix=90.0, rate=0.0)
    with pytest.raises(NoDataError, match="not between the curve date"):
        option_forward(CURVE, "2017-05-31")
    # a Tuesday with a session on the Wednesday is no VIX expiry (the listed ones are named)
    with pytest.raises(NoDataError, match=r"not a VIX option expiry.*2017-07-19"):
        option_forward(CURVE, "2017-07-11")


def test_weekly_expiries_are_wednesdays_or_the_session_before_a_holiday() -> None:
    assert is_weekly_expiry("2024-06-12") and is_weekly_expiry("2024-06-26")
    assert not is_weekly_expiry("2024-06-11") and not is_weekly_expiry("2024-06-14")
    # Christmas 2024 fell on a Wednesday: that week's weekly expired on Tuesday the 24th
    assert is_weekly_expiry("2024-12-24") and not is_weekly_expiry("2024-12-25")


def test_weekly_forward_is_interpolated_along_the_curve_and_flagged() -> None:
    # CURVE: 2017-06-01, spot 10.0; VXM17 11.0 (20 days), VXN17 12.4 (48), VXQ17 13.0 (76).
    listed = option_forward(CURVE, "2017-07-19")
    assert (listed.value, listed.interpolated, listed.contract) == (12.4, False, "VXN17")
    # 2017-07-05 (34 days): half way between 20 and 48 days -> (11.0 + 12.4) / 2 = 11.7
    wk = option_forward(CURVE, "2017-07-05")
    assert wk.value == pytest.approx(11.7) and wk.interpolated and not wk.flagged
    assert (wk.dte_days, wk.contract) == (34, None)
    # 2017-06-07 (6 days), before VX1: spot 10 at 0 days to VX1 11 at 20 -> 10 + 6/20 = 10.3
    front = option_forward(CURVE, "2017-06-07")
    assert front.value == pytest.approx(10.3) and front.interpolated
    # without spot VIX the first settle is held flat and flagged extrapolated
    no_spot = VxCurve.from_rows(
        "2017-06-01", list(CURVE.contracts), list(CURVE.expiries), list(CURVE.settles)
    )
    held = option_forward(no_spot, "2017-06-07")
    assert held.value == 11.0 and held.extrapolated and held.flagged
    # a bracket across a missing monthly contract is flagged gap
    gappy = VxCurve.from_rows(
        "2017-06-01", ["VXM17", "VXQ17"], ["2017-06-21", "2017-08-16"], [11.0, 13.0], 10.0
    )
    assert option_forward(gappy, "2017-07-05").gap


def test_weekly_options_price_on_the_interpolated_forward_with_parity() -> None:
    rate = 0.02
    c = vix_option_greeks(CURVE, "2017-07-05", STRIKES, True, vvix=90.0, rate=rate).price
    p = vix_option_greeks(CURVE, "2017-07-05", STRIKES, False, vvix=90.0, rate=rate).price
    df = math.exp(-rate * 34 / 365)
    np.testing.assert_allclose(c - p, df * (11.7 - STRIKES), atol=1e-12)
