"""The numba path is pinned to the numpy references (bashtage/arch's pattern)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import ndtri

from alvh.kernel import black, fast, implied_vol
from alvh.kernel._numba import HAVE_NUMBA
from alvh.kernel._scalar import ndtri_approx


def _inputs(n: int = 20_000) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(7)
    f = rng.uniform(10.0, 6000.0, n)
    k = f * np.exp(rng.uniform(-1.5, 1.5, n))
    t = np.exp(rng.uniform(np.log(1 / 365), np.log(3.0), n))
    v = rng.uniform(0.03, 2.0, n)
    df = np.exp(-rng.uniform(0.0, 0.06, n) * t)
    c = rng.random(n) < 0.5
    return f, k, t, v, df, c


@pytest.mark.parametrize("parallel", [False, True])
def test_fast_greeks_equal_reference(parallel: bool) -> None:
    f, k, t, v, df, c = _inputs()
    ref = black.black76_greeks(f, k, t, v, df, c)
    got = fast.black76_greeks(f, k, t, v, df, c, parallel=parallel)
    # atol on the scale of the forward: deep-OTM prices are differences of nearly equal terms,
    # so their last bits follow the erfc implementation (libm vs cephes).
    for name, a, b in zip(ref._fields, ref, got, strict=True):
        scale = f if name in ("price", "theta_per_day", "vega_per_vol_pt") else 1.0 / f
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-14 * scale.max(), err_msg=name)
    np.testing.assert_allclose(
        fast.black76_price(f, k, t, v, df, c, parallel=parallel),
        ref.price,
        rtol=1e-12,
        atol=1e-14 * f.max(),
    )


@pytest.mark.parametrize("parallel", [False, True])
def test_fast_implied_vol_equals_reference(parallel: bool) -> None:
    f, k, t, v, df, c = _inputs()
    price = black.black76_price(f, k, t, v, df, c)
    price[:5] = [np.nan, -1.0, 0.0, df[3] * f[3] * 2.0, 1e-300]
    ref = implied_vol.implied_vol(price, f, k, t, df, c)
    got = fast.implied_vol(price, f, k, t, df, c, parallel=parallel)
    np.testing.assert_array_equal(got.code, ref.code)
    ok = ref.code == 0
    assert ok.mean() > 0.7
    np.testing.assert_allclose(got.vol[ok], ref.vol[ok], rtol=0, atol=1e-9)
    assert np.all(np.isnan(got.vol[~ok]))


def test_fast_keeps_shape_and_broadcasts() -> None:
    g = fast.black76_greeks(100.0, [[90.0], [110.0]], [0.1, 0.5, 1.0], 0.2, 1.0, True)
    assert g.price.shape == (2, 3)
    np.testing.assert_allclose(
        g.delta,
        black.black76_greeks(100.0, [[90.0], [110.0]], [0.1, 0.5, 1.0], 0.2, 1.0, True).delta,
    )


def test_inverse_normal_seed_accuracy() -> None:
    p = np.concatenate(
        [np.logspace(-300, -1, 200), np.linspace(0.01, 0.99, 200), 1 - np.logspace(-15, -2, 50)]
    )
    got = np.array([ndtri_approx(x) for x in p])
    np.testing.assert_allclose(got, ndtri(p), rtol=2e-9)
    np.testing.assert_allclose(implied_vol._ndtri_approx(p), ndtri(p), rtol=2e-9)


def test_numba_is_present_in_this_environment() -> None:
    # numba is a declared dependency; without it fast.* silently equals the reference.
    assert HAVE_NUMBA
