"""Black-76 / Black-Scholes reference against QuantLib, parity, finite differences, bounds."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alvh.kernel.black import black76_greeks, black76_price, bs_greeks, bs_price

ql = pytest.importorskip("QuantLib")

# Grid: SPX-like and VIX-like forwards, strikes from deep OTM to deep ITM, 2 days to 2 years.
FORWARDS = [18.0, 4500.0]
MONEYNESS = [0.6, 0.9, 1.0, 1.1, 1.6]
T_YEARS = [2 / 365, 30 / 365, 0.5, 2.0]
VOLS = [0.08, 0.2, 0.9]
DISCOUNTS = [1.0, 0.97]


def _grid() -> list[tuple[float, float, float, float, float, bool]]:
    return [
        (f, f * m, t, v, df, c)
        for f, m, t, v, df, c in itertools.product(
            FORWARDS, MONEYNESS, T_YEARS, VOLS, DISCOUNTS, [True, False]
        )
    ]


def _ql_calc(f: float, k: float, t: float, v: float, df: float, c: bool):  # type: ignore[no-untyped-def]
    payoff = ql.PlainVanillaPayoff(ql.Option.Call if c else ql.Option.Put, k)
    return ql.BlackCalculator(payoff, f, v * np.sqrt(t), df)


def test_black76_price_and_greeks_match_quantlib() -> None:
    rows = np.array(_grid())
    f, k, t, v, df, c = rows.T
    g = black76_greeks(f, k, t, v, df, c.astype(bool))
    calcs = [_ql_calc(*r[:5], bool(r[5])) for r in rows]
    ql_price = np.array([x.value() for x in calcs])
    np.testing.assert_allclose(g.price, ql_price, rtol=1e-12, atol=1e-12 * f.max())
    np.testing.assert_allclose(
        g.price, black76_price(f, k, t, v, df, c.astype(bool)), rtol=0, atol=0
    )
    np.testing.assert_allclose(g.delta, [x.deltaForward() for x in calcs], rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(g.gamma, [x.gammaForward() for x in calcs], rtol=1e-10, atol=1e-16)
    ql_vega_pt = np.array([x.vega(tt) for x, tt in zip(calcs, t, strict=True)]) / 100.0
    np.testing.assert_allclose(g.vega_per_vol_pt, ql_vega_pt, rtol=1e-10, atol=1e-14)


def test_bs_spot_greeks_match_quantlib() -> None:
    spot, rate, q = 4500.0, 0.045, 0.015
    rows = [
        (spot * m, t, v, c)
        for m, t, v, c in itertools.product(MONEYNESS, T_YEARS, VOLS, [True, False])
    ]
    k, t, v, c = (np.array(a) for a in zip(*rows, strict=True))
    g = bs_greeks(spot, k, t, v, rate, q, c)
    for i, (ki, ti, vi, ci) in enumerate(rows):
        fwd = spot * np.exp((rate - q) * ti)
        calc = _ql_calc(fwd, ki, ti, vi, np.exp(-rate * ti), ci)
        assert g.price[i] == pytest.approx(calc.value(), rel=1e-12, abs=1e-9)
        assert g.delta[i] == pytest.approx(calc.delta(spot), rel=1e-10, abs=1e-14)
        assert g.gamma[i] == pytest.approx(calc.gamma(spot), rel=1e-10, abs=1e-16)
        assert g.theta_per_day[i] == pytest.approx(calc.thetaPerDay(spot, ti), rel=1e-9, abs=1e-12)
    np.testing.assert_array_equal(g.price, bs_price(spot, k, t, v, rate, q, c))


def test_put_call_parity() -> None:
    f = np.linspace(50.0, 150.0, 21)
    k, t, v, df = 100.0, 0.3, 0.25, 0.98
    call = black76_price(f, k, t, v, df, True)
    put = black76_price(f, k, t, v, df, False)
    # C - P = D (F - K), whatever the vol.
    np.testing.assert_allclose(call - put, df * (f - k), rtol=0, atol=1e-12)


@pytest.mark.parametrize("is_call", [True, False])
@pytest.mark.parametrize("moneyness", [0.85, 1.0, 1.2])
def test_greeks_match_finite_differences(is_call: bool, moneyness: float) -> None:
    f, t, v, r = 100.0, 0.25, 0.3, 0.05
    k = f * moneyness

    def price(ff: float = f, tt: float = t, vv: float = v) -> float:
        return float(black76_price(ff, k, tt, vv, np.exp(-r * tt), is_call))

    g = black76_greeks(f, k, t, v, np.exp(-r * t), is_call)
    h = 1e-5 * f
    assert g.delta == pytest.approx((price(f + h) - price(f - h)) / (2 * h), rel=1e-7)
    h = 1e-3 * f
    assert g.gamma == pytest.approx((price(f + h) - 2 * price() + price(f - h)) / (h * h), rel=1e-5)
    # Vega per vol point: d price / d vol scaled to one vol point (0.01).
    dv = 1e-5
    fd_vega = (price(vv=v + dv) - price(vv=v - dv)) / (2 * dv) * 0.01
    assert g.vega_per_vol_pt == pytest.approx(fd_vega, rel=1e-7)
    # Theta per calendar day: one day less to expiry, forward/vol/rate fixed (derivative / 365).
    day = 1 / 365
    fd_theta = (price(tt=t - day / 10) - price(tt=t + day / 10)) / (2 * day / 10) / 365
    assert g.theta_per_day == pytest.approx(fd_theta, rel=1e-6)
    # ...and a real one-day step lands within second-order terms of it.
    assert price(tt=t - day) - price() == pytest.approx(g.theta_per_day, rel=2e-2)


def test_expired_and_zero_vol_give_intrinsic() -> None:
    g = black76_greeks([110.0, 90.0, 100.0], 100.0, [0.0, -1.0, 0.5], [0.2, 0.2, 0.0], 0.9, True)
    np.testing.assert_allclose(g.price, [9.0, 0.0, 0.0])
    np.testing.assert_allclose(g.delta, [0.9, 0.0, 0.0])
    assert np.all(g.gamma == 0) and np.all(g.vega_per_vol_pt == 0) and np.all(g.theta_per_day == 0)


_finite = {"allow_nan": False, "allow_infinity": False}


@settings(max_examples=200, deadline=None)
@given(
    f=st.floats(1.0, 10_000.0, **_finite),
    m=st.floats(0.3, 3.0, **_finite),
    t=st.floats(1 / 365, 5.0, **_finite),
    v=st.floats(0.01, 3.0, **_finite),
    df=st.floats(0.5, 1.0, **_finite),
    is_call=st.booleans(),
)
def test_price_bounds_and_monotonicity(
    f: float, m: float, t: float, v: float, df: float, is_call: bool
) -> None:
    k = f * m
    p = float(black76_price(f, k, t, v, df, is_call))
    intrinsic = df * max((f - k) if is_call else (k - f), 0.0)
    upper = df * (f if is_call else k)
    tol = 1e-12 * max(f, k)
    assert intrinsic - tol <= p <= upper + tol
    # More vol is worth more; a higher strike makes a call cheaper and a put dearer.
    assert float(black76_price(f, k, t, v * 1.01, df, is_call)) >= p - tol
    p_up = float(black76_price(f, k * 1.01, t, v, df, is_call))
    assert (p_up <= p + tol) if is_call else (p_up >= p - tol)
