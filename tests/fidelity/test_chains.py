"""IV error tables on a synthetic chain priced by QuantLib from a known smile."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import QuantLib as ql

from alvh.fidelity.chains import error_table, headline, iv_errors, read_chain_file
from alvh.market.schema import OPTION_CHAINS

QUOTE_DATE = pd.Timestamp("2021-03-01")
RATE = 0.02
MODEL_FWD_FACTOR = 1.0  # model forward = 4000 at every expiry (no carry in the fake model)
QUOTE_FWD = 4040.0  # the quotes' parity forward: 1% above the model's (a snapshot-time gap)


def smile(moneyness: np.ndarray) -> np.ndarray:
    """A put-skewed smile in ln(K/F): 18% ATM, -0.25 slope, +0.6 curvature."""
    return 0.18 - 0.25 * moneyness + 0.6 * moneyness**2


@dataclass
class FakeModel:
    """The model surface: the smile at the model forward 4000, flat term structure."""

    def t_years(self, expiry: pd.Timestamp, am_settled: bool | None = None) -> float:
        return (expiry - QUOTE_DATE).days / 365.0

    def forward(self, t_years: object) -> np.ndarray:
        return np.asarray(4000.0 * MODEL_FWD_FACTOR + 0.0 * np.asarray(t_years, dtype=float))

    def discount(self, t_years: object) -> np.ndarray:
        return np.exp(-RATE * np.asarray(t_years, dtype=float))

    def iv(self, t_years: object, strikes: object) -> np.ndarray:
        return smile(np.log(np.asarray(strikes, dtype=float) / 4000.0))


def _chain(vol_shift: float) -> pd.DataFrame:
    """Quotes priced by QuantLib at the smile + ``vol_shift``, around the forward 4040."""
    rows = []
    for dte in (10, 21, 45, 90):
        expiry = QUOTE_DATE + pd.Timedelta(days=dte)
        t = dte / 365.0
        disc = math.exp(-RATE * t)
        for k in np.arange(3000.0, 5001.0, 25.0):
            vol = float(smile(np.array([math.log(k / QUOTE_FWD)]))[0]) + vol_shift
            for right, kind in (("C", ql.Option.Call), ("P", ql.Option.Put)):
                px = ql.blackFormula(kind, k, QUOTE_FWD, vol * math.sqrt(t), disc)
                # A 0.10-wide market around the price; prices under 0.05 have a zero bid.
                bid = px - 0.05 if px > 0.05 else 0.0
                rows.append((QUOTE_DATE, "SPXW", expiry, k, right, bid, px + 0.05, 4000.0))
    f = pd.DataFrame(
        rows,
        columns=["quote_date", "root", "expiry", "strike", "right", "bid", "ask", "underlying"],
    )
    f["volume"] = np.nan
    f["open_interest"] = np.nan
    f["known_at"] = QUOTE_DATE + pd.Timedelta(hours=16, minutes=15)
    return OPTION_CHAINS.conform(f)


def test_errors_equal_the_vol_shift_at_the_same_moneyness() -> None:
    # Quotes are 1 vol point above the model's smile at their own forward (4040, against the
    # model's 4000): compared at the same moneyness, every error is -1.00 point.
    err = iv_errors(_chain(0.01), FakeModel())
    assert len(err) > 200
    assert set(err["right"]) == {"P", "C"}
    assert err["forward"].to_numpy() == pytest.approx(QUOTE_FWD, abs=0.06)
    assert err["error_pts"].to_numpy() == pytest.approx(-1.0, abs=0.02)
    # OTM only: puts below the parity forward, calls at or above it.
    assert (err.loc[err["right"] == "P", "strike"] < 4040).all()
    assert (err.loc[err["right"] == "C", "strike"] >= 4040).all()


def test_buckets_by_hand() -> None:
    err = iv_errors(_chain(0.0), FakeModel())
    # The 45-day 3800 put: ln(3800/4040) = -0.06124; vol = 0.18 + 0.01531 + 0.00225 = 0.19756;
    # sd = 0.19756 * sqrt(45/365) = 0.06937; d1 = 0.06124/0.06937 + 0.03468 = 0.9175;
    # |delta| = N(-0.9175) = 0.1794 -> bucket 10-20; 45 days -> bucket 30-60.
    row = err[(err["strike"] == 3800) & (err["dte_days"] == 45)].iloc[0]
    assert row["right"] == "P"
    assert row["abs_delta"] == pytest.approx(0.1794, abs=5e-4)
    assert (row["delta_bucket"], row["dte_bucket"]) == ("10-20", "30-60")
    assert row["error_pts"] == pytest.approx(0.0, abs=0.02)


def test_tables_count_every_bucketed_option_once() -> None:
    err = iv_errors(_chain(0.02), FakeModel())
    by_delta = error_table(err, "delta_bucket")
    by_dte = error_table(err, "dte_bucket")
    assert list(by_delta.columns[:2]) == ["right", "delta_bucket"]
    assert (
        by_delta["count"].sum()
        == err["delta_bucket"].isin(["5-10", "10-20", "20-35", "35-50"]).sum()
    )
    # The 10-day expiry sits in 7-14, the 90-day one in 60-120; there is no 120+ row.
    assert set(by_dte["dte_bucket"]) == {"7-14", "14-30", "30-60", "60-120"}
    assert by_delta["mean_error_pts"].to_numpy() == pytest.approx(-2.0, abs=0.05)
    assert by_delta["mean_abs_error_pts"].to_numpy() == pytest.approx(2.0, abs=0.05)
    h = headline(err)
    # 5-50 delta, 14-60 days: the 21- and 45-day expiries.
    assert h["P"]["mean_abs_error_pts"] == pytest.approx(2.0, abs=0.05)
    assert h["C"]["count"] > 0


def test_no_usable_quotes_gives_an_empty_frame() -> None:
    chain = _chain(0.0)
    chain["bid"] = 0.0
    err = iv_errors(chain, FakeModel())
    assert err.empty and "error_pts" in err.columns
    assert error_table(err, "dte_bucket").empty


def test_datashop_file_without_root_reads_as_spxw(tmp_path: Path) -> None:
    # The 2019 calibration layout: a BOM, no root column (taken from the file name), 15:45 quotes.
    p = tmp_path / "spxw_chain.csv"
    p.write_text(
        "\ufeffquote_date,expiration,strike,option_type,bid_size_1545,bid_1545,ask_size_1545,"
        "ask_1545,underlying_bid_1545,underlying_ask_1545,trade_volume,open_interest\n"
        "2019-06-26,2019-07-19,2900,C,10,40.1,10,41.3,2917.8,2918.42,5,100\n"
        "2019-06-26,2019-07-19,2900,P,10,20.0,10,20.8,2917.8,2918.42,0,50",
        encoding="utf-8",
    )
    f = read_chain_file(p)
    assert list(f["root"]) == ["SPXW", "SPXW"]
    assert f["underlying"].iloc[0] == pytest.approx((2917.8 + 2918.42) / 2)
    assert f["bid"].tolist() == [40.1, 20.0]
