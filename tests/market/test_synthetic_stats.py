"""Stylised facts of the synthetic market over a long sample (40 years), as in docs/synthetic.md."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alvh.market.synthetic import generate_market
from alvh.market.synthetic_stats import front_month_daily_returns, front_two, market_statistics

LONG = ("1990-01-02", "2029-12-31")


@pytest.fixture(scope="module")
def md():
    return generate_market(*LONG, seed=7)


@pytest.fixture(scope="module")
def stats(md) -> dict[str, float]:
    return market_statistics(md)


@pytest.fixture(scope="module")
def closes(md) -> pd.DataFrame:
    return md.tables["index_bars"].pivot(index="date", columns="symbol", values="close")


def _check_core_facts(s: dict[str, float]) -> None:
    assert 15.0 <= s["vix_mean"] <= 25.0
    assert 0.60 <= s["contango_share"] <= 0.85
    assert s["corr_spx_ret_vix_change"] < -0.6
    assert s["vix_spikes_above_40"] >= 2 * s["years"] / 20  # at least a few per 20 years
    assert s["share_vix_above_40"] < 0.03
    assert s["vix_minus_rv21_mean"] > 0.0  # variance risk premium
    assert 0.14 <= s["spx_vol_ann"] <= 0.22
    assert 0.6 <= s["vix_below_vix3m_share"] <= 0.9


def test_long_sample_matches_market_facts(stats):
    _check_core_facts(stats)
    assert 0.0 <= stats["spx_drift_ann"] <= 0.12
    assert 8.0 <= stats["vix_min"] <= 12.0
    assert stats["vix_max"] < 100.0


def test_long_front_month_vx_loses_to_the_roll(stats):
    assert -5.0 <= stats["vx1_return_month_contango_pct"] <= -1.0
    assert stats["vx1_return_month_pct"] < 0.0


def test_correlation_computed_directly(closes):
    r = np.log(closes["SPX"]).diff()
    dv = closes["VIX"].diff()
    assert r.corr(dv) < -0.6


def test_curves_invert_in_stress(md, closes):
    f2 = front_two(md.tables["vx_settlements"]).set_index("date")
    vix = closes["VIX"].loc[f2.index]
    stress = vix > 35
    assert stress.sum() > 20
    assert (f2.loc[stress, "vx1"] > f2.loc[stress, "vx2"]).mean() > 0.8
    assert (
        closes.loc[closes["VIX"] > 35, "VIX"] > closes.loc[closes["VIX"] > 35, "VIX3M"]
    ).mean() > 0.9
    calm = vix < 14
    assert (f2.loc[calm, "vx2"] > f2.loc[calm, "vx1"]).mean() > 0.95


def test_vvix_is_highest_when_vix_spikes_from_low_levels(closes):
    vix, vvix = closes["VIX"], closes["VVIX"]
    base = vix.shift(5)
    spike_from_low = (vix / base > 1.3) & (base < 18)
    prolonged_stress = (vix > 30) & (vix.rolling(42).min() > 25)
    assert spike_from_low.sum() > 30 and prolonged_stress.sum() > 20
    assert vvix[spike_from_low].mean() > vvix.mean() + 10
    assert vvix[spike_from_low].mean() > vvix[prolonged_stress].mean()
    assert 75 <= vvix.mean() <= 110


def test_skew_stays_in_its_historical_band(closes):
    skew = closes["SKEW"]
    lo, hi = np.percentile(skew, [5, 95])
    assert lo >= 105 and hi <= 155
    assert 115 <= skew.mean() <= 135
    # higher when VIX is low
    assert skew[closes["VIX"] < 13].mean() > skew[closes["VIX"] > 30].mean() + 5


def test_rates_are_a_slow_regime_path(md):
    rates = md.tables["rates"].pivot(index="date", columns="series", values="value_pct")
    dff = rates["DFF"]
    assert dff.min() < 0.3 and dff.max() > 2.0  # visits zero and higher regimes in 40 years
    assert dff.diff().abs().median() < 0.05
    assert (rates["IRX"] - dff).abs().mean() < 0.3


def test_front_month_returns_by_hand():
    d = pd.to_datetime(["2020-01-02", "2020-01-03", "2020-01-06"])
    e1, e2, e3 = pd.to_datetime(["2020-01-03", "2020-02-19", "2020-03-18"])
    vx = pd.DataFrame(
        {
            "date": [d[0], d[0], d[1], d[1], d[1], d[2], d[2]],
            "contract": ["F", "G", "F", "G", "H", "G", "H"],
            "expiry": [e1, e2, e1, e2, e3, e2, e3],
            "settle": [14.0, 15.0, 14.7, 16.0, 16.5, 15.2, 15.0],
        }
    )
    f2 = front_two(vx)
    # on 01-03 the F contract expires that day, so VX1 is G and VX2 is H
    assert f2["vx1_contract"].tolist() == ["F", "G", "G"]
    assert f2["vx2"].tolist() == [15.0, 16.5, 15.0]
    ret = front_month_daily_returns(vx)
    # F held 01-02 -> 01-03 settles at its final 14.7: +5%; G held 01-03 -> 01-06: 15.2/16 - 1
    np.testing.assert_allclose(ret["ret"], [0.05, 15.2 / 16.0 - 1.0])
    assert ret["contango"].tolist() == [True, True]


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_facts_hold_for_other_seeds(seed):
    s = market_statistics(generate_market(*LONG, seed=seed))
    _check_core_facts(s)
    assert -6.0 <= s["vx1_return_month_contango_pct"] <= 0.0
