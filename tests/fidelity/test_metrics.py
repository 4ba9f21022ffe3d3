"""Tracking metrics on hand-computed level series (arithmetic in the comments)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from alvh.fidelity.metrics import linked_returns, split_windows, tracking_metrics


def _s(pairs: dict[str, float]) -> pd.Series:
    return pd.Series(list(pairs.values()), index=pd.DatetimeIndex(list(pairs)))


# Month-end levels only, so daily returns equal monthly returns.
INDEX = _s({"2020-12-31": 100.0, "2021-01-29": 110.0, "2021-02-26": 99.0, "2021-03-31": 108.9})
REPLICA = _s({"2020-12-31": 100.0, "2021-01-29": 105.0, "2021-02-26": 105.0, "2021-03-31": 94.5})


def test_hand_computed_figures() -> None:
    m = tracking_metrics(REPLICA, INDEX)
    # index months +10%, -10%, +10%; replica +5%, 0%, -10%.
    # diff -5, +10, -20 (pp): mean -5, squared deviations 0 + 225 + 225 = 450, /2 -> sd 15%.
    assert m.n_months == 3
    assert m.te_monthly_ann_pct == pytest.approx(15.0 * math.sqrt(12))
    assert m.te_daily_ann_pct == pytest.approx(15.0 * math.sqrt(252))
    # corr: deviations index (6.67, -13.33, 6.67), replica (6.67, 1.67, -8.33):
    # cov sum -33.33, var sums 266.67 and 116.67 -> -33.33 / 176.38 = -1/sqrt(28).
    assert m.monthly_corr == pytest.approx(-1.0 / math.sqrt(28.0))
    # 90 calendar days from 2020-12-31 to 2021-03-31.
    assert m.cagr_index_pct == pytest.approx((1.089 ** (365.25 / 90) - 1) * 100)
    assert m.cagr_replica_pct == pytest.approx((0.945 ** (365.25 / 90) - 1) * 100)
    # index 110 -> 99 = -10%; replica 105 -> 94.5 = -10%.
    assert m.max_dd_index_pct == pytest.approx(-10.0)
    assert m.max_dd_replica_pct == pytest.approx(-10.0)
    assert m.max_dd_gap_pp == pytest.approx(0.0, abs=1e-12)
    # 2020 holds only the base date: no return. 2021: index +8.9%, replica -5.5%: disagree.
    assert [y.year for y in m.years] == [2021]
    y = m.years[0]
    assert (y.index_pct, y.replica_pct) == (pytest.approx(8.9), pytest.approx(-5.5))
    assert y.gap_pp == pytest.approx(-14.4)
    assert not y.signs_agree and m.sign_agree_years == 0
    assert not y.full  # the window ends in March


def test_a_scaled_copy_tracks_perfectly() -> None:
    days = pd.bdate_range("2019-01-01", "2021-12-31")
    rng = np.random.default_rng(3)
    idx = pd.Series(100 * np.cumprod(1 + rng.normal(0, 0.01, len(days))), index=days)
    m = tracking_metrics(idx * 7.0, idx)
    assert m.monthly_corr == pytest.approx(1.0)
    assert m.te_monthly_ann_pct == pytest.approx(0.0, abs=1e-9)
    assert m.te_daily_ann_pct == pytest.approx(0.0, abs=1e-9)
    assert m.cagr_gap_pp == pytest.approx(0.0, abs=1e-9)
    assert m.sign_agree_years == 3 and all(y.full for y in m.years)


def test_a_break_is_chain_linked_on_both_sides() -> None:
    # The index halves on 2021-02-26 (a level break); with the break flagged the linked index is
    # 100, 110, 110, 121: months +10%, 0%, +10%, the year +21%, as the replica.
    index = _s({"2020-12-31": 100.0, "2021-01-29": 110.0, "2021-02-26": 55.0, "2021-03-31": 60.5})
    replica = _s({"2020-12-31": 10.0, "2021-01-29": 11.0, "2021-02-26": 11.0, "2021-03-31": 12.1})
    raw = tracking_metrics(replica, index)
    assert raw.max_dd_index_pct == pytest.approx(-50.0)
    m = tracking_metrics(replica, index, breaks=["2021-02-26"])
    assert m.breaks_used == (pd.Timestamp("2021-02-26"),)
    assert m.max_dd_index_pct == pytest.approx(0.0)
    assert m.te_monthly_ann_pct == pytest.approx(0.0, abs=1e-12)
    assert m.years[0].index_pct == pytest.approx(21.0) and m.years[0].has_break


def test_a_break_on_a_date_one_side_lacks_zeroes_the_spanning_return() -> None:
    # The replica has no 2021-02-26 row: the break there moves to the next common date (03-31),
    # whose return spans it.
    rep = REPLICA.drop(pd.Timestamp("2021-02-26"))
    r = linked_returns(rep, INDEX, breaks=["2021-02-26"])
    assert list(r.index.strftime("%m-%d")) == ["12-31", "01-29", "03-31"]
    assert list(r["is_break"]) == [False, False, True]
    assert r.loc["2021-03-31", "index"] == 0.0


def test_gaps_give_multi_day_returns_on_both_sides() -> None:
    # The index skips 2021-02-26: the March return of both spans two months.
    idx = INDEX.drop(pd.Timestamp("2021-02-26"))
    r = linked_returns(REPLICA, idx)
    assert r.loc["2021-03-31", "index"] == pytest.approx(108.9 / 110 - 1)
    assert r.loc["2021-03-31", "replica"] == pytest.approx(94.5 / 105 - 1)


def test_split_windows_share_the_split_date_as_base() -> None:
    days = pd.bdate_range("2014-01-01", "2017-12-29")
    rng = np.random.default_rng(5)
    idx = pd.Series(100 * np.cumprod(1 + rng.normal(0, 0.01, len(days))), index=days)
    rep = pd.Series(100 * np.cumprod(1 + rng.normal(0, 0.01, len(days))), index=days)
    parts = split_windows(rep, idx, "2015-12-31")
    assert set(parts) == {"whole", "in_sample", "out_of_sample"}
    assert parts["in_sample"].end == pd.Timestamp("2015-12-31")
    assert parts["out_of_sample"].start == pd.Timestamp("2015-12-31")
    assert [y.year for y in parts["out_of_sample"].years] == [2016, 2017]
    # Whole-window yearly returns equal the split windows' (same base dates per year).
    whole = {y.year: y.index_pct for y in parts["whole"].years}
    for y in parts["out_of_sample"].years:
        assert y.index_pct == pytest.approx(whole[y.year])
    d = parts["whole"].to_dict()
    assert d["n_years"] == 4 and d["years"][0]["year"] == 2014  # type: ignore[index]


def test_bad_levels_are_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        tracking_metrics(REPLICA * 0.0, INDEX)
    with pytest.raises(ValueError, match="fewer than two"):
        tracking_metrics(REPLICA, INDEX, start="2021-03-31")
