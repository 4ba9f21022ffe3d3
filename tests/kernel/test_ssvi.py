"""The compiled SSVI + Black-76 loops against their numpy references (kernel/ssvi.py)."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from alvh.kernel import ssvi


def _surface(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    spot = float(rng.uniform(800, 6000))
    # par: spot, rate, div_yield, eta, gamma, rho, min_t_years, phi_cap_margin
    rate, div_yield = rng.uniform(0, 0.06), rng.uniform(0, 0.03)
    eta, gamma, rho = rng.uniform(0.5, 2.5), rng.uniform(0.2, 0.5), rng.uniform(-0.9, -0.3)
    par = np.array([spot, rate, div_yield, eta, gamma, rho, 1.0 / 365.0 / 24.0, 0.95])
    tn = np.array([7, 30, 90, 180, 365]) / 365.0
    vol = rng.uniform(0.1, 0.5, tn.shape[0])
    return par, np.stack([tn, vol**2 * tn])


def _options(rng: np.random.Generator, spot: float, n: int) -> tuple[np.ndarray, ...]:
    # Runs of one tenor (as the engine passes them), off-node tenors, a node, and tenors
    # beyond both ends of the nodes; strikes +-40% of spot.
    t = np.repeat(rng.choice([0.5 / 365, 3 / 365, 30 / 365, 0.2, 1.4, 2.5], n // 4), 4)
    k = spot * np.exp(rng.uniform(-0.5, 0.3, t.shape[0]))
    c = rng.random(t.shape[0]) < 0.5
    return t, k, c


@pytest.mark.parametrize("seed", range(5))
def test_iv_and_greeks_match_numpy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    par, nodes = _surface(rng)
    t, k, c = _options(rng, par[0], 400)
    assert_allclose(ssvi.iv(par, nodes, t, k), ssvi.iv_reference(par, nodes, t, k), rtol=1e-13)
    got = ssvi.greeks_iv(par, nodes, t, k, c)
    ref = ssvi.greeks_iv_reference(par, nodes, t, k, c)
    # Price, delta, gamma, vega, theta, vol. Deep out-of-the-money prices are differences of
    # nearly equal terms (libm's erfc vs scipy's differ in the last bit): an absolute floor of
    # 1e-13 in units of spot (gamma: of 1/spot).
    scale = np.array([par[0], 1.0, 1.0 / par[0], par[0], par[0], 1.0])[:, None]
    assert_allclose(got / scale, ref / scale, rtol=1e-11, atol=1e-13)
    # On the nodes the ATM vol is the node's own vol.
    at_nodes = ssvi.atm_vols_reference(par, nodes, nodes[0].copy())
    assert_allclose(at_nodes, np.sqrt(nodes[1] / nodes[0]), rtol=1e-15)


def test_grid_scores_match_numpy() -> None:
    rng = np.random.default_rng(3)
    par, nodes = _surface(rng)
    k = par[0] * np.exp(np.linspace(-0.4, 0.2, 800))
    for t in (2.0 / 365.0, 45.0 / 365.0, 0.8):
        got = ssvi.grid_scores(par, nodes, t, k)
        ref = ssvi.grid_scores_reference(par, nodes, t, k)
        assert_allclose(got, ref, rtol=1e-12, atol=1e-14)


def test_atm_vol_flat_outside_the_nodes() -> None:
    # Nodes 20% at 30 days and 25% at 1 year: before the first and after the last node the
    # vol stays at the end node's; halfway in variance between them it is the interpolation.
    par = np.array([4000.0, 0.0, 0.0, 1.0, 0.5, -0.7, 1e-4, 0.95])
    tn = np.array([30 / 365, 1.0])
    nodes = np.stack([tn, np.array([0.2, 0.25]) ** 2 * tn])
    t = np.array([5 / 365, 2.0, 0.5 * (tn[0] + tn[1])])
    want_mid = np.sqrt(0.5 * (nodes[1, 0] + nodes[1, 1]) / t[2])
    assert_allclose(ssvi.atm_vols_reference(par, nodes, t), [0.2, 0.25, want_mid], rtol=1e-14)


def test_tenors_from_integer_day_numbers_match_numpy() -> None:
    # Day numbers from an arbitrary origin day0 (its midnight is nanosecond 0); the valuation
    # at 16:00 on day 1000, expiries 0-400 days later settling at 09:30 (AM) or 16:00 (PM).
    rng = np.random.default_rng(4)
    par, nodes = _surface(rng)
    hour_ns = 3_600_000_000_000
    day0, am_ns, pm_ns = 500, 9 * hour_ns + hour_ns // 2, 16 * hour_ns
    valuation_ns = (1000 - day0) * ssvi.DAY_NS + pm_ns
    day = 1000 + rng.integers(0, 400, 200)
    am = rng.random(200) < 0.5
    k = par[0] * np.exp(rng.uniform(-0.3, 0.2, 200))
    c = rng.random(200) < 0.5
    t = ssvi.t_years_of_days_reference(valuation_ns, day, day0, am, am_ns, pm_ns)
    # By hand: 30 days later at 09:30 is 30 days less 6.5 hours.
    one = ssvi.t_years_of_days_reference(valuation_ns, np.array([1030]), day0, [True], am_ns, pm_ns)
    assert one[0] == pytest.approx((30.0 - 6.5 / 24.0) / 365.0, rel=1e-15)
    got = ssvi.greeks_iv_at_days(par, nodes, valuation_ns, day, day0, am, am_ns, pm_ns, k, c)
    assert_allclose(got, ssvi.greeks_iv(par, nodes, t, k, c), rtol=0, atol=0)  # the same loop
    scale = np.array([par[0], 1.0, 1.0 / par[0], par[0], par[0], 1.0])[:, None]
    ref = ssvi.greeks_iv_reference(par, nodes, t, k, c)
    assert_allclose(got / scale, ref / scale, rtol=1e-11, atol=1e-13)
    atm = ssvi.atm_vols_at_days(par, nodes, valuation_ns, day, day0, am, am_ns, pm_ns)
    assert_allclose(atm, ssvi.atm_vols_reference(par, nodes, t), rtol=1e-13)
