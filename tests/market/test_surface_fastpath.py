"""The compiled surface loop is pinned to the numpy formulas it replaces (same numbers)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from test_surface_support import AS_OF, BASE_CLOSES, make_market

from alvh.kernel._numba import HAVE_NUMBA
from alvh.market.surface import SpxVolSurface, spot_greeks

pytestmark = pytest.mark.skipif(not HAVE_NUMBA, reason="the compiled path needs numba")


@pytest.mark.parametrize("vix", [9.0, 19.0, 82.7])  # calm, the fixture day, March 2020's peak
def test_compiled_greeks_and_vols_equal_the_numpy_reference(vix: float) -> None:
    surf = SpxVolSurface.from_snapshot(make_market({**BASE_CLOSES, "VIX": vix}).snapshot(AS_OF))
    rng = np.random.default_rng(11)
    # Expired, expiring within seconds, inside and beyond the VIX nodes; strikes 25%-250% spot.
    t = np.concatenate([rng.uniform(-0.01, 1.5, 4000), [0.0, 1e-6, 9 / 365, 30 / 365, 1.0]])
    k = surf.spot * rng.uniform(0.25, 2.5, t.shape[0])
    is_call = rng.random(t.shape[0]) < 0.5
    g, iv = surf.greeks_iv(t, k, is_call)
    ref = spot_greeks(surf, t, k, is_call)
    for fast, slow in zip(g[:4], ref[:4], strict=True):  # price, delta, gamma, vega
        np.testing.assert_allclose(fast, slow, rtol=1e-11, atol=1e-12)
    # theta subtracts the forward's carry drift ln(F/S)/t: at t ~ 1e-6 exp/log rounding is
    # amplified by 1/t, so the agreement there is ~1e-8 of a point per day, not 1e-12.
    np.testing.assert_allclose(g.theta_per_day, ref.theta_per_day, rtol=1e-9, atol=1e-7)
    np.testing.assert_allclose(iv, surf.iv_reference(t, k), rtol=1e-13)
    np.testing.assert_allclose(surf.iv(t, k), surf.iv_reference(t, k), rtol=1e-13)


def test_greeks_iv_keeps_the_broadcast_shape() -> None:
    surf = SpxVolSurface.from_snapshot(make_market(BASE_CLOSES).snapshot(AS_OF))
    t = np.array([7, 30, 60])[:, None] / 365
    k = np.array([2700.0, 3000.0, 3200.0])[None, :]
    g, iv = surf.greeks_iv(t, k, np.array([False, True, True])[None, :])
    assert g.price.shape == g.theta_per_day.shape == iv.shape == (3, 3)
    assert surf.iv(t, k).shape == (3, 3)
    assert np.ndim(surf.greeks(30 / 365, 3000.0, True).price) == 0


def test_year_fractions_of_ordinals_equal_t_years() -> None:
    surf = SpxVolSurface.from_snapshot(make_market(BASE_CLOSES).snapshot(AS_OF))
    expiries = [date(2020, 6, 19), date(2020, 6, 17), date(2021, 1, 15), surf.as_of.date()]
    am = [True, False, True, False]
    ordinals = [d.toordinal() for d in expiries]
    expected = [surf.t_years(pd.Timestamp(d), a) for d, a in zip(expiries, am, strict=True)]
    assert surf.t_years_of_ordinals(ordinals, am).tolist() == expected  # exactly: same ints
    assert [
        float(surf.t_years_of_ordinals(o, a)) for o, a in zip(ordinals, am, strict=True)
    ] == expected


def test_greeks_of_ordinals_are_the_greeks_at_their_year_fractions() -> None:
    """The one-pass marking path gives bit-for-bit the two-call numbers (arrays or one expiry)."""
    surf = SpxVolSurface.from_snapshot(make_market(BASE_CLOSES).snapshot(AS_OF))
    rng = np.random.default_rng(5)
    n = 40
    # Expiring today, this week, this quarter and in 2 years; AM and PM mixed.
    ordinals = surf.as_of.toordinal() + rng.choice([0, 3, 45, 730], n)
    am = rng.random(n) < 0.5
    k = surf.spot * rng.uniform(0.5, 1.5, n)
    is_call = rng.random(n) < 0.5
    g, iv = surf.greeks_iv_of_ordinals(ordinals, am, k, is_call)
    g_ref, iv_ref = surf.greeks_iv(surf.t_years_of_ordinals(ordinals, am), k, is_call)
    for fast, ref in zip((*g, iv), (*g_ref, iv_ref), strict=True):
        np.testing.assert_array_equal(fast, ref)
    one = ordinals[0]
    g1, iv1 = surf.greeks_iv_of_ordinals(int(one), bool(am[0]), k, is_call)
    t1 = np.full(n, surf.t_years_of_ordinals(int(one), bool(am[0])))
    g1_ref, iv1_ref = surf.greeks_iv(t1, k, is_call)
    for fast, ref in zip((*g1, iv1), (*g1_ref, iv1_ref), strict=True):
        np.testing.assert_array_equal(fast, ref)


def test_a_surface_is_built_once_per_data_time_and_params() -> None:
    """``from_snapshot`` shares one surface per (data, as_of, params): the same numbers as a
    fresh build, another for other params or other data, and none kept once the data is gone."""
    import dataclasses
    import gc
    import weakref

    market = make_market(BASE_CLOSES)
    surf = SpxVolSurface.from_snapshot(market.snapshot(AS_OF))
    assert SpxVolSurface.from_snapshot(market.snapshot(AS_OF)) is surf  # a new snapshot, same time
    fresh = SpxVolSurface._build(market.snapshot(AS_OF), surf.params)
    assert (fresh.spot, fresh.eta, fresh.rho, fresh.skew_index) == (
        surf.spot,
        surf.eta,
        surf.rho,
        surf.skew_index,
    )
    assert fresh.atm.w_nodes.tolist() == surf.atm.w_nodes.tolist()
    t, k = np.array([9 / 365, 45 / 365]), np.array([2800.0, 3100.0])
    assert surf.iv(t, k).tolist() == fresh.iv(t, k).tolist()
    # Other params: another surface, built with them (a flatter smile: rho 0 -> other vols).
    flat = dataclasses.replace(surf.params, rho=0.0, rho_vix_beta=0.0, rho_term_beta=0.0)
    other = SpxVolSurface.from_snapshot(market.snapshot(AS_OF), flat)
    assert other is not surf and other.params is flat and other.rho == 0.0
    # Other data at the same time: its own surface (VIX 40 instead of 20 lifts the 30-day vol).
    stressed = make_market({**BASE_CLOSES, "VIX": 40.0})
    hi = SpxVolSurface.from_snapshot(stressed.snapshot(AS_OF))
    assert hi.atm_vol(30 / 365) > surf.atm_vol(30 / 365) + 0.1
    # The memo is the data's own: each market keeps the surfaces built on it, and they go with it.
    assert hi is stressed._surfaces[(AS_OF.value, hi.params)]
    assert surf is market._surfaces[(AS_OF.value, surf.params)]
    assert all(v is not hi for v in market._surfaces.values())
    ref = weakref.ref(stressed)
    del stressed, hi
    gc.collect()
    assert ref() is None
