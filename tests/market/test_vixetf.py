"""The VIX short-term futures index rule on synthetic curves with answers known in closed form."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from alvh.calendar.expiries import vx_contract_code, vx_expiry
from alvh.calendar.sessions import trading_calendar
from alvh.errors import DataFormatError, NoDataError
from alvh.market.vixetf import compute_vix_st_index, etf_prices

CAL = trading_calendar("CBOE")
SESSIONS = CAL.sessions_in_range("2019-01-02", "2019-12-31")


def panel(price_of_dte, sessions: pd.DatetimeIndex = SESSIONS, n_listed: int = 4) -> pd.DataFrame:
    """Monthly contracts listed each session, settle = price_of_dte(calendar days to expiry)."""
    months = [(y, m) for y in range(2018, 2022) for m in range(1, 13)]
    listing = [(vx_contract_code(y, m), pd.Timestamp(vx_expiry(y, m))) for y, m in months]
    rows = []
    for day in sessions:
        live = [(c, e) for c, e in listing if e > day][:n_listed]
        for code, exp in live:
            rows.append((day, code, exp, price_of_dte((exp - day).days)))
    return pd.DataFrame(rows, columns=["date", "contract", "expiry", "settle"])


def test_constant_flat_curve_gives_a_flat_index() -> None:
    out = compute_vix_st_index(panel(lambda dte: 15.0))
    np.testing.assert_allclose(out["er_index"], 100.0, rtol=0, atol=1e-12)
    np.testing.assert_allclose(out["tr_index"], 100.0, rtol=0, atol=1e-12)


def test_steady_contango_decays_at_the_roll_rate() -> None:
    # Price = 15 * exp(g * dte): every held contract loses exactly exp(-g) per calendar day
    # whatever the weights, so the index after N calendar days is 100 * exp(-g N).
    g = 0.004  # 0.4% per calendar day: about -77% a year, a calm year like 2017
    out = compute_vix_st_index(panel(lambda dte: 15.0 * math.exp(g * dte)))
    days = (out["date"] - out["date"].iloc[0]).dt.days.to_numpy()
    np.testing.assert_allclose(out["er_index"], 100.0 * np.exp(-g * days), rtol=1e-12)
    assert out["er_index"].iloc[-1] == pytest.approx(100.0 * math.exp(-g * 363))


def test_weights_fall_from_one_to_zero_across_each_roll_period() -> None:
    out = compute_vix_st_index(panel(lambda dte: 15.0 + 0.05 * dte)).set_index("date")
    w = out["weight_front"]
    assert ((w > 0) & (w <= 1)).all()
    # Good Friday 2019-04-19 moves the March settlement to Tuesday 2019-03-19, so the April
    # roll period opens on Monday 2019-03-18: all in VXJ19; dt = sessions in
    # [2019-03-19, 2019-04-17) = 21, and the weight falls by 1/21 each session down to 1/21
    # on Monday 2019-04-15.
    assert w["2019-03-18"] == 1.0
    assert out.loc["2019-03-18", "front_expiry"] == pd.Timestamp("2019-04-17")
    period = w["2019-03-18":"2019-04-15"]
    np.testing.assert_allclose(period.to_numpy(), np.arange(21, 0, -1) / 21)
    assert out.loc["2019-04-16", "front_expiry"] == pd.Timestamp("2019-05-22")
    assert w["2019-04-16"] == 1.0
    # last day of the March period: 1/dt with dt = sessions in [2019-02-13, 2019-03-19) = 23
    # (Presidents' Day 2019-02-18 is not a session)
    assert out.loc["2019-03-15", "weight_front"] == pytest.approx(1 / 23)
    assert out.loc["2019-03-15", "front_expiry"] == pd.Timestamp("2019-03-19")


def test_total_return_adds_tbill_interest() -> None:
    flat = panel(lambda dte: 15.0)
    tbill = pd.Series(5.0, index=SESSIONS)
    out = compute_vix_st_index(flat, SESSIONS, tbill)
    days = np.diff(out["date"].to_numpy("datetime64[D]").astype(np.int64))
    daily = (1.0 / (1.0 - 91 / 360 * 0.05)) ** (days / 91) - 1.0
    assert out["tr_index"].iloc[-1] == pytest.approx(100.0 * np.prod(1.0 + daily), rel=1e-12)
    assert out["tr_index"].iloc[-1] == pytest.approx(105.2, abs=0.05)  # 5% discount = ~5.2% yield
    np.testing.assert_allclose(out["er_index"], 100.0)


def test_index_is_point_in_time() -> None:
    rng = np.random.default_rng(3)
    noisy = panel(lambda dte: 15.0 + 0.05 * dte)
    noisy["settle"] *= np.exp(rng.normal(0, 0.03, len(noisy)))
    full = compute_vix_st_index(noisy)
    cut = pd.Timestamp("2019-06-14")
    truncated = compute_vix_st_index(noisy[noisy["date"] <= cut])
    head = full[full["date"] <= cut].reset_index(drop=True)
    pd.testing.assert_frame_equal(head, truncated)
    poisoned = noisy.copy()
    poisoned.loc[poisoned["date"] > cut, "settle"] = 999.0
    again = compute_vix_st_index(poisoned)
    pd.testing.assert_frame_equal(again[again["date"] <= cut], full[full["date"] <= cut])


def test_missing_settle_of_a_held_contract_is_carried_and_counted() -> None:
    p = panel(lambda dte: 15.0 + 0.05 * dte)
    # drop VX2 (VXJ19) on 2019-03-05: its settle is carried from 03-04 and the day is counted
    drop = (p["date"] == "2019-03-05") & (p["contract"] == "VXJ19")
    out = compute_vix_st_index(p[~drop]).set_index("date")
    assert out.loc["2019-03-05", "stale"] == 1
    assert out["stale"].sum() == 1


def test_session_without_settlements_is_a_typed_error() -> None:
    p = panel(lambda dte: 15.0)
    with pytest.raises(NoDataError, match="no VX settlements on 2020-01-02"):
        compute_vix_st_index(p, CAL.sessions_in_range("2019-12-02", "2020-01-03"))
    with pytest.raises(DataFormatError, match="settle"):
        compute_vix_st_index(p.drop(columns="settle"))


def test_etf_price_net_of_fee() -> None:
    out = compute_vix_st_index(panel(lambda dte: 15.0))
    etf = etf_prices(out, fee_pct_per_year=0.89, start="2019-01-02")
    days = np.diff(out["date"].to_numpy("datetime64[D]").astype(np.int64))
    assert etf.iloc[0] == 100.0
    assert etf.iloc[-1] == pytest.approx(100.0 * np.prod(1 - 0.0089 * days / 365), rel=1e-12)
    assert etf.iloc[-1] == pytest.approx(99.12, abs=0.01)  # 0.89% over 363 days
    later = etf_prices(out, 0.0, start="2019-07-01")
    assert later.index[0] == pd.Timestamp("2019-07-01") and (later == 100.0).all()
