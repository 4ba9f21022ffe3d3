"""SPX model surface: no-arbitrage, VIX/SKEW behaviour, greeks against QuantLib, deltas."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from test_surface_support import AS_OF, BASE_CLOSES, DAY, make_market

from alvh.errors import NoDataError, PricingError
from alvh.kernel.black import black76_price
from alvh.market.rates import CarryCurve, money_market_to_cc, tbill_discount_yield_to_cc
from alvh.market.surface import (
    DEFAULT_SURFACE_PARAMS,
    SpxVolSurface,
    regime_terms,
    t_years_between,
)


def surface(**closes: float) -> SpxVolSurface:
    return SpxVolSurface.from_snapshot(make_market({**BASE_CLOSES, **closes}).snapshot(AS_OF))


def test_butterfly_density_is_nonnegative_on_a_grid() -> None:
    # Call prices convex in strike <=> risk-neutral density >= 0. Steep inputs on purpose:
    # high SKEW and a low VIX make phi largest, where the no-butterfly cap matters.
    for closes in (BASE_CLOSES, {**BASE_CLOSES, "VIX9D": 9.0, "VIX": 10.0, "SKEW": 160.0}):
        s = SpxVolSurface.from_snapshot(make_market(closes).snapshot(AS_OF))
        for dte in (1, 3, 7, 14, 30, 60, 90, 180, 365):
            t = dte / 365.0
            f = float(s.forward(t))
            sd = float(s.atm_vol(t)) * math.sqrt(t)
            k = f * np.exp(np.linspace(-8 * sd, 6 * sd, 801))
            c = black76_price(f, k, t, s.iv(t, k), 1.0, True)
            h = k[1] - k[0]  # not uniform in K; use the general 3-point second difference
            d2 = (
                2
                * ((c[2:] - c[1:-1]) / (k[2:] - k[1:-1]) - (c[1:-1] - c[:-2]) / (k[1:-1] - k[:-2]))
                / (k[2:] - k[:-2])
            )
            assert h > 0
            assert d2.min() > -1e-9 * f, (closes, dte)


def test_calendar_total_variance_increases_with_expiry() -> None:
    # Even with an inverted VIX term structure (stress), w(k, T) never falls with T.
    for closes in (BASE_CLOSES, {**BASE_CLOSES, "VIX9D": 60.0, "VIX": 45.0, "VIX3M": 35.0}):
        s = SpxVolSurface.from_snapshot(make_market(closes).snapshot(AS_OF))
        t = np.linspace(1, 400, 400)[:, None] / 365.0
        k = np.linspace(-0.5, 0.3, 81)[None, :]
        w = s.total_variance(t, s.forward(t) * np.exp(k))
        assert np.all(np.diff(w, axis=0) >= -1e-14)


def _ratio(vix: float, vix3m: float) -> float:
    """The day's ATM/VIX ratio of the shipped parameters (SKEW does not enter it)."""
    return float(regime_terms(DEFAULT_SURFACE_PARAMS, vix, vix3m, 130.0)[0])


def test_atm_vol_sits_below_vix_by_the_fitted_ratio() -> None:
    p = DEFAULT_SURFACE_PARAMS
    s = surface(VIX9D=11.0, VIX=12.0, VIX3M=14.5)  # a calm day's contango
    atm_30d_pts = 100 * float(s.atm_vol(30 / 365))
    expected = max(_ratio(12.0, 14.5) * 12.0, 12.0 - p.max_atm_gap_pts)
    assert atm_30d_pts == pytest.approx(expected)
    assert 0.0 < 12.0 - atm_30d_pts <= 3.0
    # In stress the ATM vol stays below VIX (a variance swap prices the whole smile) by a
    # gap that grows with the level but never swallows it.
    stress = 100 * float(surface(VIX=40.0, VIX9D=45.0, VIX3M=34.0).atm_vol(30 / 365))
    assert 0.6 * 40.0 < stress < 40.0


def test_atm_term_structure_interpolates_variance_and_is_flat_outside() -> None:
    s = surface()
    r = _ratio(20.0, 22.0)
    gap = DEFAULT_SURFACE_PARAMS.max_atm_gap_pts

    def atm(index: float) -> float:  # the day's ratio, the gap capped
        return max(r * index, index - gap) / 100

    v9, v30 = atm(18.0), atm(20.0)
    mid_t = 20 / 365
    expected = math.sqrt(
        (v9**2 * 9 / 365 + (v30**2 * 30 / 365 - v9**2 * 9 / 365) * (11 / 21)) / mid_t
    )
    assert float(s.atm_vol(mid_t)) == pytest.approx(expected)
    assert float(s.atm_vol(2 / 365)) == pytest.approx(v9)  # flat vol below 9 days
    assert float(s.atm_vol(1.0)) == pytest.approx(atm(22.0))  # flat vol beyond VIX3M


def test_stale_vix6m_close_is_ignored() -> None:
    # VIX6M stopped in 2021 in the real data; an old close must not set the long end.
    m = make_market(BASE_CLOSES, extra_bars=[("VIX6M", "2020-01-02", 80.0)])
    s = SpxVolSurface.from_snapshot(m.snapshot(AS_OF))
    assert float(s.atm_vol(0.5)) == pytest.approx(float(surface().atm_vol(0.5)))


def _atm_skew(s: SpxVolSurface, t: float) -> float:
    f = float(s.forward(t))
    lo, hi = s.iv(t, f * math.exp(-0.01)), s.iv(t, f * math.exp(0.01))
    return float((hi - lo) / 0.02)


def test_put_skew_is_steeper_for_short_expiries_about_one_over_sqrt_t() -> None:
    s = surface()
    sk7, sk28, sk90 = (_atm_skew(s, d / 365) for d in (7, 28, 90))
    assert sk7 < sk28 < sk90 < 0.0
    # gamma = 1/2: quadrupling T roughly halves the ATM skew (variance term adds a little).
    assert sk7 / sk28 == pytest.approx(2.0, rel=0.15)


def test_higher_skew_index_steepens_the_skew() -> None:
    # The mechanism, with a positive SKEW coefficient (the January-2018 fit's 0.16).
    p = replace(DEFAULT_SURFACE_PARAMS, skew_beta=0.16)

    def with_skew(skew: float) -> SpxVolSurface:
        closes = {**BASE_CLOSES, "SKEW": skew}
        return SpxVolSurface.from_snapshot(make_market(closes).snapshot(AS_OF), p)

    low, high = with_skew(115.0), with_skew(150.0)
    t = 30 / 365
    assert _atm_skew(high, t) < _atm_skew(low, t) < 0.0
    k_put = 0.93 * 3000
    assert float(high.iv(t, k_put) - high.atm_vol(t)) > float(low.iv(t, k_put) - low.atm_vol(t))
    # The shipped fit over 2007-2025 gives SKEW almost no weight once VIX and the VIX/VIX3M
    # slope are in (-0.03 per 10 points): from SKEW 115 to 150 the ATM skew moves < 15%.
    a, b = _atm_skew(surface(SKEW=115.0), t), _atm_skew(surface(SKEW=150.0), t)
    assert abs(b / a - 1.0) < 0.15


def test_greeks_match_quantlib_black_scholes_merton() -> None:
    ql = pytest.importorskip("QuantLib")
    s = surface()
    dte, strike = 30, 2850.0
    t = dte / 365
    vol = float(s.iv(t, strike))
    today = ql.Date(1, 6, 2020)
    ql.Settings.instance().evaluationDate = today
    dc = ql.Actual365Fixed()
    spot = ql.QuoteHandle(ql.SimpleQuote(s.spot))
    r_ts = ql.YieldTermStructureHandle(ql.FlatForward(today, s.carry.rate, dc))
    q_ts = ql.YieldTermStructureHandle(ql.FlatForward(today, s.carry.div_yield, dc))
    v_ts = ql.BlackVolTermStructureHandle(ql.BlackConstantVol(today, ql.NullCalendar(), vol, dc))
    proc = ql.BlackScholesMertonProcess(spot, q_ts, r_ts, v_ts)
    for is_call, kind in ((False, ql.Option.Put), (True, ql.Option.Call)):
        opt = ql.EuropeanOption(
            ql.PlainVanillaPayoff(kind, strike), ql.EuropeanExercise(today + dte)
        )
        opt.setPricingEngine(ql.AnalyticEuropeanEngine(proc))
        g = s.greeks(t, strike, is_call)
        assert float(g.price) == pytest.approx(opt.NPV(), rel=1e-10)
        assert float(g.delta) == pytest.approx(opt.delta(), rel=1e-9)
        assert float(g.gamma) == pytest.approx(opt.gamma(), rel=1e-9)
        assert float(g.vega_per_vol_pt) == pytest.approx(opt.vega() / 100, rel=1e-9)
        assert float(g.theta_per_day) == pytest.approx(opt.thetaPerDay(), rel=1e-6)


def test_greeks_broadcast_over_expiries_and_strikes() -> None:
    s = surface()
    t = np.array([7, 30, 60])[:, None] / 365
    k = np.array([2700.0, 3000.0, 3200.0])[None, :]
    g = s.greeks(t, k, np.array([False, True, True])[None, :])
    assert g.price.shape == (3, 3)
    assert np.all(g.price > 0)
    assert s.iv(t, k).shape == (3, 3)


@pytest.mark.parametrize(("target", "is_call"), [(-0.16, False), (0.05, False), (0.25, True)])
def test_strike_for_delta_round_trips(target: float, is_call: bool) -> None:
    s = surface()
    t = 30 / 365
    k = s.strike_for_delta(t, target, is_call)
    delta = float(s.greeks(t, k, is_call).delta)
    assert abs(delta) == pytest.approx(abs(target), abs=1e-8)
    assert (k < s.spot) != is_call


def test_strike_for_delta_rejects_unreachable_delta() -> None:
    with pytest.raises(PricingError, match="not reachable"):
        surface().strike_for_delta(30 / 365, 1.2, True)


def test_time_convention_am_settled_expires_six_and_a_half_hours_earlier() -> None:
    s = surface()
    expiry = DAY + np.timedelta64(18, "D")  # 2020-06-19 is the June standard monthly
    assert s.t_years(expiry) == pytest.approx((18 - 6.5 / 24) / 365)
    assert s.t_years(expiry, am_settled=False) == pytest.approx(18 / 365)
    assert s.t_years(DAY + np.timedelta64(16, "D")) == pytest.approx(16 / 365)  # a Wednesday
    assert t_years_between(DAY + np.timedelta64(16, "h"), DAY, False) == 0.0


def test_rates_irx_converted_from_discount_yield_and_dff_fallback() -> None:
    # IRX 1.378% discount: price 1 - 0.01378 * 91/360 = 0.996516...; cc = -ln(p) / (91/365).
    assert tbill_discount_yield_to_cc(1.378) == pytest.approx(0.013996, abs=1e-6)
    snap = make_market(BASE_CLOSES, irx_pct=None, dff_pct=2.0).snapshot(AS_OF)
    c = CarryCurve.from_snapshot(snap)
    assert c.rate_source == "DFF"
    assert c.rate == pytest.approx(money_market_to_cc(2.0))
    assert c.rate == pytest.approx(0.02 * 365 / 360, rel=1e-3)
    s = SpxVolSurface.from_snapshot(snap)
    assert float(s.forward(0.5)) == pytest.approx(3000 * math.exp((c.rate - 0.018) * 0.5))
    assert float(s.discount(0.5)) == pytest.approx(math.exp(-c.rate * 0.5))
    # The snapshot remembers each series' rate, not a missing one, nor one for another series.
    for _ in range(2):
        assert snap.rate_pct("DFF") == 2.0
        with pytest.raises(NoDataError, match="IRX"):
            snap.rate_pct("IRX")


def test_missing_inputs_raise_no_data_error() -> None:
    with pytest.raises(NoDataError, match="IRX or DFF"):
        SpxVolSurface.from_snapshot(make_market(BASE_CLOSES, irx_pct=None).snapshot(AS_OF))
    no_vix = {k: v for k, v in BASE_CLOSES.items() if not k.startswith("VIX")}
    with pytest.raises(NoDataError, match="VIX"):
        SpxVolSurface.from_snapshot(make_market(no_vix).snapshot(AS_OF))


def test_invalid_params_are_rejected() -> None:
    with pytest.raises(PricingError, match="gamma"):
        replace(DEFAULT_SURFACE_PARAMS, gamma=0.7)
