"""Window sums of the P&L attribution and the constant-front-VX reference, checked by hand."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest

from alvh.errors import NoDataError
from alvh.report.attribution import (
    front_vx_daily_pnl,
    front_vx_pnl_by_window,
    layer_pnl_by_window,
)


@pytest.fixture
def daily() -> pd.DataFrame:
    days = pd.to_datetime(["2020-03-02", "2020-03-03", "2020-03-04", "2020-03-05", "2020-03-06"])
    return pd.DataFrame(
        {
            "hedged_equity_usd": [1e6, 1e6, 1e6, 1e6, 1e6],  # not an attribution column
            "pnl_tier_short_usd": [-100.0, -200.0, 50.0, -400.0, 10.0],
            "pnl_tier_long_usd": [5.0, 5.0, 5.0, 5.0, 5.0],
            "pnl_hedge_vx_futures_usd": [1000.0, -250.0, 3000.0, 0.0, -20.0],
            "pnl_hedge_vix_calls_usd": [0.0, 0.0, 700.0, 1300.0, 0.0],
            "pnl_hedge_vix_etf_usd": [0.0, 0.0, 0.0, 0.0, 0.0],
            "costs_usd": [12.5, 0.0, 4.2, 0.0, 0.0],
            "vix": [33.4, 36.8, 32.0, 39.6, 41.9],
        },
        index=days,
    )


def test_sums_each_column_over_inclusive_windows(daily: pd.DataFrame) -> None:
    out = layer_pnl_by_window(
        daily,
        {
            "first two": (date(2020, 3, 2), date(2020, 3, 3)),
            "middle": (date(2020, 3, 4), date(2020, 3, 5)),
            "one day": (date(2020, 3, 6), date(2020, 3, 6)),
        },
    )
    assert list(out.index) == ["first two", "middle", "one day"]
    assert list(out.columns) == [
        "start",
        "end",
        "sessions",
        "pnl_tier_short_usd",
        "pnl_tier_long_usd",
        "pnl_hedge_vx_futures_usd",
        "pnl_hedge_vix_calls_usd",
        "pnl_hedge_vix_etf_usd",
        "costs_usd",
    ]
    # by hand: 1000 - 250 = 750; 3000 + 0 = 3000; -20
    assert out["pnl_hedge_vx_futures_usd"].tolist() == [750.0, 3000.0, -20.0]
    # -100 - 200 = -300; 50 - 400 = -350; 10
    assert out["pnl_tier_short_usd"].tolist() == [-300.0, -350.0, 10.0]
    assert out["pnl_hedge_vix_calls_usd"].tolist() == [0.0, 2000.0, 0.0]
    assert out["costs_usd"].tolist() == [12.5, 4.2, 0.0]
    assert out["sessions"].tolist() == [2, 2, 1]
    assert "vix" not in out.columns and "hedged_equity_usd" not in out.columns


def test_window_beyond_the_data_counts_only_its_sessions_and_empty_is_nan(
    daily: pd.DataFrame,
) -> None:
    out = layer_pnl_by_window(
        daily,
        {
            "year": (date(2020, 1, 1), date(2020, 12, 31)),
            "weekend": (date(2020, 3, 7), date(2020, 3, 8)),
        },
    )
    assert out.loc["year", "sessions"] == 5
    assert out.loc["year", "pnl_hedge_vx_futures_usd"] == 1000 - 250 + 3000 + 0 - 20
    assert out.loc["weekend", "sessions"] == 0
    assert math.isnan(out.loc["weekend", "pnl_hedge_vx_futures_usd"])  # not a made-up zero


def test_bad_windows_and_frames_are_refused(daily: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match=r"'back'.*2020-03-05 is after end 2020-03-02"):
        layer_pnl_by_window(daily, {"back": (date(2020, 3, 5), date(2020, 3, 2))})
    with pytest.raises(NoDataError, match="no attribution columns"):
        layer_pnl_by_window(daily[["vix"]], {"w": (date(2020, 3, 2), date(2020, 3, 6))})


@pytest.fixture
def vx() -> pd.DataFrame:
    # Two monthly contracts; VXH20 settles (SOQ) on Wed 2020-03-18, so on Tue 03-17 the position
    # rolls into VXJ20 at the close and the 03-18 P&L is VXJ20's move.
    rows = [
        ("2020-03-13", "VXH20", "2020-03-18", 53.0),
        ("2020-03-13", "VXJ20", "2020-04-15", 45.0),
        ("2020-03-16", "VXH20", "2020-03-18", 72.6),
        ("2020-03-16", "VXJ20", "2020-04-15", 51.0),
        ("2020-03-17", "VXH20", "2020-03-18", 70.0),
        ("2020-03-17", "VXJ20", "2020-04-15", 48.0),
        ("2020-03-18", "VXJ20", "2020-04-15", 63.5),
        ("2020-03-19", "VXJ20", "2020-04-15", 62.0),
    ]
    f = pd.DataFrame(rows, columns=["date", "contract", "expiry", "settle"])
    f["date"] = pd.to_datetime(f["date"])
    f["expiry"] = pd.to_datetime(f["expiry"])
    return f


def test_front_vx_holds_the_front_to_the_eve_of_expiry_then_rolls(vx: pd.DataFrame) -> None:
    d = front_vx_daily_pnl(vx)
    assert list(d.index.strftime("%Y-%m-%d")) == [
        "2020-03-16",
        "2020-03-17",
        "2020-03-18",
        "2020-03-19",
    ]
    assert d["contract"].tolist() == ["VXH20", "VXH20", "VXJ20", "VXJ20"]
    # 72.6 - 53.0; 70.0 - 72.6; 63.5 - 48.0 (rolled at 03-17's close); 62.0 - 63.5
    assert d["pnl_vx_pts"].tolist() == pytest.approx([19.6, -2.6, 15.5, -1.5])


def test_front_vx_window_sums_in_points_and_usd_per_contract(vx: pd.DataFrame) -> None:
    out = front_vx_pnl_by_window(
        vx,
        {
            "all": (date(2020, 3, 1), date(2020, 3, 31)),
            "post": (date(2020, 3, 18), date(2020, 3, 19)),
        },
    )
    assert out.loc["all", "pnl_vx_pts"] == pytest.approx(19.6 - 2.6 + 15.5 - 1.5)
    assert out.loc["all", "pnl_usd_per_contract"] == pytest.approx(31_000.0)  # x 1000 USD/pt
    assert out.loc["all", "contracts"] == "VXH20 VXJ20"
    assert out.loc["post", "pnl_vx_pts"] == pytest.approx(14.0)
    assert out.loc["post", "sessions"] == 2
    mini = front_vx_pnl_by_window(vx, {"all": (date(2020, 3, 1), date(2020, 3, 31))}, 100.0)
    assert mini.loc["all", "pnl_usd_per_contract"] == pytest.approx(3_100.0)  # VXM: x 100


def test_front_vx_names_the_gap_when_the_held_contract_has_no_next_settle(
    vx: pd.DataFrame,
) -> None:
    holed = vx.drop(vx.index[(vx["date"] == "2020-03-16") & (vx["contract"] == "VXH20")])
    with pytest.raises(
        NoDataError, match=r"VXH20 held from 2020-03-13 has no settle on .*2020-03-16"
    ):
        front_vx_daily_pnl(holed)
