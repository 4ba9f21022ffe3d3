"""Implied vol: QuantLib oracle, round trips from deep OTM to deep ITM and short expiries, codes."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alvh.kernel.black import black76_greeks, black76_price
from alvh.kernel.implied_vol import (
    IV_ABOVE_UPPER_BOUND,
    IV_BAD_INPUT,
    IV_BELOW_INTRINSIC,
    IV_OK,
    implied_vol,
)

ql = pytest.importorskip("QuantLib")


def test_matches_quantlib_implied_std_dev() -> None:
    rows = list(
        itertools.product(
            [0.85, 0.95, 1.0, 1.05, 1.2], [7 / 365, 0.25, 1.0], [0.1, 0.3, 0.8], [True, False]
        )
    )
    f, df = 4500.0, 0.985
    m, t, v, c = (np.array(a) for a in zip(*rows, strict=True))
    k = f * m
    price = black76_price(f, k, t, v, df, c)
    res = implied_vol(price, f, k, t, df, c)
    # Compare where the time value is not lost to rounding (QuantLib cannot invert those either).
    time_value = price - df * np.maximum(np.where(c, f - k, k - f), 0.0)
    keep = time_value > 1e-8 * f
    assert keep.sum() >= 0.8 * keep.size
    assert np.all(res.code[keep] == IV_OK)
    for i, (ki, ti, ci) in enumerate(zip(k, t, c, strict=True)):
        if not keep[i]:
            continue
        kind = ql.Option.Call if ci else ql.Option.Put
        sd = ql.blackFormulaImpliedStdDev(
            kind, ki, f, float(price[i]), df, 0.0, ql.nullDouble(), 1e-14, 1000
        )
        assert res.vol[i] == pytest.approx(sd / np.sqrt(ti), rel=1e-8)


def test_round_trip_over_wide_grid() -> None:
    # log-moneyness -3..3, 1 day to 5 years, vol 1%..400%: covers deep OTM/ITM and tiny time value.
    x = np.linspace(-3.0, 3.0, 41)
    t = np.array([1 / 365, 3 / 365, 30 / 365, 1.0, 5.0])
    v = np.array([0.01, 0.1, 0.3, 1.0, 4.0])
    xx, tt, vv, cc = np.meshgrid(x, t, v, [True, False], indexing="ij")
    f, df = 100.0, 0.97
    k = f * np.exp(-xx)
    price = black76_price(f, k, tt, vv, df, cc)
    res = implied_vol(price, f, k, tt, df, cc)
    # Options whose time value survives rounding must round-trip in vol...
    intrinsic = df * np.maximum(np.where(cc, f - k, k - f), 0.0)
    time_value = price - intrinsic
    vega = black76_greeks(f, k, tt, vv, df, cc).vega_per_vol_pt * 100.0
    identifiable = (time_value > 1e-10 * f) & (vega > 1e-6 * price)
    assert identifiable.sum() > 0.3 * identifiable.size
    assert np.all(res.code[identifiable] == IV_OK)
    np.testing.assert_allclose(res.vol[identifiable], vv[identifiable], rtol=1e-8)
    # ...and every other option either reprices to its input or is flagged, never silently NaN.
    ok = res.code == IV_OK
    assert np.all(np.isfinite(res.vol[ok])) and np.all(np.isnan(res.vol[~ok]))
    assert set(np.unique(res.code[~identifiable])) <= {IV_OK, IV_BELOW_INTRINSIC, IV_BAD_INPUT}
    repriced = black76_price(f, k[ok], tt[ok], res.vol[ok], df, cc[ok])
    np.testing.assert_allclose(repriced, price[ok], rtol=1e-9, atol=1e-12 * f)


def test_deep_itm_short_expiry_uses_parity() -> None:
    # SPX 0DTE-like: 200 points ITM, half a day, 15% vol; time value ~1e-3 of the price.
    f, k, t, v, df = 5000.0, 4800.0, 0.5 / 365, 0.6, 0.9999
    for is_call, strike in ((True, k), (False, 2 * f - k)):
        price = black76_price(f, strike, t, v, df, is_call)
        res = implied_vol(price, f, strike, t, df, is_call)
        assert res.code == IV_OK
        assert float(res.vol) == pytest.approx(v, rel=1e-6)


def test_failure_codes() -> None:
    f, k, t, df = 100.0, 90.0, 0.5, 0.9
    price = np.array([df * 10.0 - 1e-9, df * 10.0, df * 100.0, df * 120.0, 5.0, 5.0, np.nan, -1.0])
    t_arr = np.array([t, t, t, t, 0.0, -1.0, t, t])
    res = implied_vol(price, f, k, t_arr, df, True)
    expected = [IV_BELOW_INTRINSIC, IV_BELOW_INTRINSIC, IV_ABOVE_UPPER_BOUND, IV_ABOVE_UPPER_BOUND]
    expected += [IV_BAD_INPUT] * 4
    np.testing.assert_array_equal(res.code, expected)
    assert res.code.dtype == np.int8
    assert np.all(np.isnan(res.vol))


def test_shape_is_preserved() -> None:
    price = black76_price(100.0, [[90.0, 100.0], [110.0, 120.0]], 0.5, 0.2, 1.0, True)
    res = implied_vol(price, 100.0, [[90.0, 100.0], [110.0, 120.0]], 0.5, 1.0, True)
    assert res.vol.shape == (2, 2) and res.code.shape == (2, 2)
    np.testing.assert_allclose(res.vol, 0.2, rtol=1e-10)


_finite = {"allow_nan": False, "allow_infinity": False}


@settings(max_examples=300, deadline=None)
@given(
    x=st.floats(-2.0, 2.0, **_finite),
    t=st.floats(1 / 365, 3.0, **_finite),
    v=st.floats(0.02, 2.0, **_finite),
    is_call=st.booleans(),
)
def test_round_trip_property(x: float, t: float, v: float, is_call: bool) -> None:
    f, df = 100.0, 0.99
    k = f * np.exp(-x)
    price = float(black76_price(f, k, t, v, df, is_call))
    res = implied_vol(price, f, k, t, df, is_call)
    if int(res.code) == IV_OK:
        assert float(black76_price(f, k, t, float(res.vol), df, is_call)) == pytest.approx(
            price, rel=1e-9, abs=1e-12 * f
        )
    else:
        # Only when rounding erased the time value (or underflowed the price) may it fail.
        intrinsic = df * max((f - k) if is_call else (k - f), 0.0)
        assert price - intrinsic <= 1e-12 * f
        assert int(res.code) in (IV_BELOW_INTRINSIC, IV_BAD_INPUT)
