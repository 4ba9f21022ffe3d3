"""Walk-forward on a hand-made sweep folder whose winners alternate month by month."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alvh.errors import ConfigError
from alvh.sweep.walkforward import parse_walk_forward, walk_forward


def _folder(tmp_path: Path) -> tuple[Path, pd.DataFrame]:
    # Two configs over Jan-Jun 2021 business days (from Fri 1 Jan, so windows are months). A earns +0.2% a session in Jan, Mar, May and
    # loses 0.1% in Feb, Apr, Jun; B does the opposite. Whoever won a month loses the next.
    days = pd.bdate_range("2021-01-01", "2021-06-30")
    odd = np.isin(days.month, [1, 3, 5])
    ra = np.where(odd, 0.002, -0.001)
    rb = np.where(odd, -0.001, 0.002)
    out = tmp_path / "wf"
    (out / "equity").mkdir(parents=True)
    for h, r in (("a" * 16, ra), ("b" * 16, rb)):
        eq = 1e6 * np.cumprod(1.0 + r) / (1.0 + r[0])  # first session = 1e6, then r[1:], ...
        pd.DataFrame(
            {"hedged_equity_usd": eq, "unhedged_equity_usd": eq}, index=days.rename("date")
        ).to_parquet(out / "equity" / f"{h}.parquet")
    table = pd.DataFrame(
        {
            "index": [0, 1],
            "config_hash": ["a" * 16, "b" * 16],
            "status": ["ok", "ok"],
            "cagr_pct": [1.0, 2.0],  # B is the in-sample best over the whole period
        }
    )
    return out, table


def test_walk_forward_picks_last_months_winner_and_pays_for_it(tmp_path: Path) -> None:
    out, table = _folder(tmp_path)
    res = walk_forward(out, table, parse_walk_forward("train=1m,test=1m"), "cagr_pct")
    w = res["windows"]
    # Windows train on Jan..May and test on Feb..Jun: 5 windows; A won Jan, Mar, May.
    assert len(w) == 5
    assert [x["selected"][0] for x in w] == ["a", "b", "a", "b", "a"]
    days = pd.bdate_range("2021-01-01", "2021-06-30")
    for x in w:
        test = days[(days >= x["test_start"]) & (days <= x["test_end"])]
        # Each test month the chosen config loses 0.1% a session: (0.999^n - 1) * 100.
        assert x["test_return_pct"] == pytest.approx((0.999 ** len(test) - 1.0) * 100.0)
    n_oos = int((days >= "2021-02-01").sum())
    assert res["out_of_sample"]["total_return_pct"] == pytest.approx((0.999**n_oos - 1) * 100)
    # Beside it, the in-sample best (B) over the same sessions gains in Feb, Apr, Jun.
    assert res["insample_best"] == "b" * 16
    n_b_up = int(np.isin(days[days >= "2021-02-01"].month, [2, 4, 6]).sum())
    expect_b = (1.002**n_b_up * 0.999 ** (n_oos - n_b_up) - 1) * 100
    assert res["insample_best_same_sessions"]["total_return_pct"] == pytest.approx(expect_b)
    assert json.loads((out / "walk_forward.json").read_text()) == res
    assert len(pd.read_csv(out / "walk_forward.csv")) == 5


def test_walk_forward_spec_is_checked() -> None:
    assert parse_walk_forward("train=5y,test=1y").train_months == 60
    assert parse_walk_forward("train=18m, test=6m").test_months == 6
    for bad in ("train=5y", "5y,1y", "train=0y,test=1y", "train=5w,test=1y"):
        with pytest.raises(ConfigError, match="--walk-forward"):
            parse_walk_forward(bad)


def test_period_shorter_than_a_window_says_so(tmp_path: Path) -> None:
    out, table = _folder(tmp_path)
    res = walk_forward(out, table, parse_walk_forward("train=1y,test=1m"), "cagr_pct")
    assert res["windows"] == [] and "shorter" in res["reason"]
