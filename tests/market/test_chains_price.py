"""``alvh price spx`` prices from imported quotes on a chain's day, from the model elsewhere."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from test_surface_quotes import EXPIRY, FWD, T, quoted_chain, true_vol
from test_surface_support import AS_OF, BASE_CLOSES, make_market

from alvh.cli.app import main
from alvh.kernel.black import black76_price
from alvh.market.surface import SpxVolSurface
from alvh.market.surface_quotes import quotes_for

ARGS = ["price", "spx", "--date", "2020-06-01", "--expiry", "2020-06-17", "--type", "put"]


@pytest.fixture
def market(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    chains = quoted_chain()
    # A zero-bid far put and a flag, to see them reported.
    far = (chains["strike"] == 2700.0) & (chains["right"] == "P")
    chains.loc[far, "bid"] = 0.0
    chains["quality"] = np.where(far, "zero_bid", "")
    m = make_market(BASE_CLOSES, chains=chains)
    monkeypatch.setattr("alvh.market.load.load_market", lambda store=None, **_: m)
    return m


def test_json_gives_quotes_quote_iv_model_iv_and_difference(market, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main([*ARGS, "--strikes", "2800,2700,3025", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["surface"] == "quotes" and out["basis"].startswith("quotes: SPXW chain")
    listed, zero_bid, unlisted = out["rows"]
    # The chain's quotes are Black-76 at the true vol +- 0.05 (test_surface_quotes).
    df = float(np.exp(-0.01 * T))
    fair = float(black76_price(FWD, 2800.0, T, true_vol(np.array([2800.0]))[0], df, False))
    assert (listed["bid"], listed["ask"]) == pytest.approx((fair - 0.05, fair + 0.05))
    assert listed["mid"] == pytest.approx(fair)
    assert listed["iv_pct"] == pytest.approx(100 * true_vol(np.array([2800.0]))[0], abs=0.2)
    model = SpxVolSurface.from_snapshot(market.snapshot(AS_OF))
    t = model.t_years(EXPIRY)
    assert listed["iv_model_pct"] == pytest.approx(100 * float(model.iv(t, 2800.0)))
    assert listed["iv_diff_pts"] == pytest.approx(listed["iv_pct"] - listed["iv_model_pct"])
    assert listed["quality"] == ""
    assert zero_bid["bid"] == 0.0 and zero_bid["mid"] is None
    assert zero_bid["quality"] == "zero_bid"
    assert unlisted["bid"] is None and unlisted["mid"] is None
    assert unlisted["iv_pct"] > 0  # interpolated on the quoted smile


def test_table_says_quotes_fits_80_columns_and_reports_flags(market, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main([*ARGS, "--strikes", "2700,2800,2900,3000,3100,3200"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("priced from quotes: SPXW chain of 2020-06-01")
    assert "QUOTES" in text and "2,700: quote flagged zero_bid" in text
    assert max(len(line) for line in text.splitlines()) <= 80


def test_other_expiry_and_day_fall_back_to_the_model_and_say_so(market, capsys) -> None:  # type: ignore[no-untyped-def]
    args = ["price", "spx", "--date", "2020-06-01", "--expiry", "2020-07-17", "--strikes", "3000"]
    assert main([*args, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["surface"] == "model"
    assert "no usable quotes for 2020-07-17 (quoted: 2020-06-17)" in out["basis"]
    assert "bid" not in out["rows"][0]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert text.startswith("priced from model:") and "MODEL" in text


def test_quotes_for_picks_the_settlement_root_on_a_third_friday() -> None:
    day, exp = pd.Timestamp("2020-06-01"), pd.Timestamp("2020-06-19")  # June's third Friday
    rows = pd.DataFrame(
        {
            "quote_date": day,
            "expiry": exp,
            "right": "C",
            "root": ["SPX", "SPXW"],
            "strike": 3000.0,
            "bid": [50.0, 51.0],
            "ask": [51.0, 52.0],
            "quality": "",
        }
    )
    q = quotes_for(rows, day, exp, [3000.0], True)
    assert (q["root"].item(), q["mid"].item()) == ("SPX", 50.5)
