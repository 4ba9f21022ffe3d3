"""The fidelity report end to end on a synthetic market, and ``alvh fidelity`` at the shell."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alvh.cli.app import main
from alvh.fidelity.report import build_report, params_label, report_json, write_report
from alvh.fidelity.report_html import vix_section_html
from alvh.kernel.black import black76_price
from alvh.market.data import MarketData
from alvh.market.schema import OPTION_CHAINS
from alvh.market.surface import DEFAULT_SURFACE_PARAMS, SpxVolSurface, SurfaceParams
from alvh.market.synthetic import generate_market

QUOTE_DAY = pd.Timestamp("2011-03-01")


@pytest.fixture(scope="module")
def market() -> MarketData:
    return generate_market("2010-01-04", "2012-12-31", seed=11)


def _spx(market: MarketData) -> pd.Series:
    bars = market.tables["index_bars"]
    spx = bars[bars["symbol"] == "SPX"]
    return pd.Series(spx["close"].to_numpy(float), index=pd.DatetimeIndex(spx["date"]))


def _index_dir(tmp_path: Path, market: MarketData) -> Path:
    # A made-up "PUT" file: half the synthetic SPX, with a 2011-06-01 level break (x 0.8).
    spx = _spx(market) * 0.5
    spx[spx.index >= "2011-06-01"] *= 0.8
    d = tmp_path / "idx"
    d.mkdir()
    pd.DataFrame({"date": spx.index.strftime("%Y-%m-%d"), "close": spx.round(4)}).to_csv(
        d / "cboe_put_daily.csv", index=False
    )
    return d


def _chain(market: MarketData, vol_shift: float) -> pd.DataFrame:
    """Quotes from the model surface itself (+``vol_shift``) at its forward, 30 and 45 days."""
    surf = SpxVolSurface.from_snapshot(
        market.snapshot(QUOTE_DAY + pd.Timedelta(hours=16, minutes=15))
    )
    rows = []
    for dte in (30, 45):
        expiry = QUOTE_DAY + pd.Timedelta(days=dte)
        t = surf.t_years(expiry, am_settled=False)
        f, d = float(surf.forward(t)), float(surf.discount(t))
        for k in np.arange(round(f * 0.8 / 5) * 5, f * 1.15, 5.0):
            vol = float(surf.iv(t, k)) + vol_shift
            for right in ("C", "P"):
                px = float(black76_price(f, k, t, vol, d, right == "C"))
                if px < 0.1:
                    continue
                rows.append((QUOTE_DAY, "SPXW", expiry, k, right, px - 0.05, px + 0.05, surf.spot))
    frame = pd.DataFrame(
        rows,
        columns=["quote_date", "root", "expiry", "strike", "right", "bid", "ask", "underlying"],
    )
    frame["volume"] = np.nan
    frame["open_interest"] = np.nan
    frame["known_at"] = QUOTE_DAY + pd.Timedelta(hours=16, minutes=15)
    return OPTION_CHAINS.conform(frame)


def _replicate(name: str, market: MarketData, params: SurfaceParams) -> pd.Series:
    return _spx(market)  # tracks the made-up PUT exactly, except across its break


def test_report_figures_and_files(tmp_path: Path, market: MarketData) -> None:
    r = build_report(
        market,
        index_dir=_index_dir(tmp_path, market),
        chain_inputs=[("made-up chain", "abc", _chain(market, 0.01))],
        split="2011-12-30",
        replicator=_replicate,
    )
    assert [ix.name for ix in r.indexes] == ["PUT"]  # PPUT, BXM, CLL files are missing
    assert any("PPUT" in n for n in r.notes)
    put = r.indexes[0]
    assert set(put.windows) == {"whole", "in_sample", "out_of_sample"}
    # The made-up break is not flagged (only CLL's and PUT's known dates are), so 2011 carries
    # the x 0.8 step: 1 + index return = 0.8 x (1 + replica return).
    y2011 = next(y for y in put.windows["whole"].years if y.year == 2011)
    assert 1 + y2011.index_pct / 100 == pytest.approx(0.8 * (1 + y2011.replica_pct / 100))
    assert not y2011.signs_agree or y2011.replica_pct > 25.0
    assert put.windows["out_of_sample"].te_monthly_ann_pct == pytest.approx(0.0, abs=1e-6)
    # Quotes 1 vol point above the model: every error is -1 point.
    errs = r.chains[0].errors
    assert len(errs) > 50
    assert errs["error_pts"].to_numpy() == pytest.approx(-1.0, abs=0.05)
    js = report_json(r)
    assert js["data"]["data_id"] == market.source.data_id
    assert js["surface_params"] == params_label(DEFAULT_SURFACE_PARAMS)
    assert js["chains"][0]["headline"]["P"]["mean_abs_error_pts"] == pytest.approx(1.0, abs=0.05)
    html_path, json_path = write_report(r, tmp_path / "out")
    first = (html_path.read_bytes(), json_path.read_bytes())
    write_report(r, tmp_path / "out")
    assert (html_path.read_bytes(), json_path.read_bytes()) == first  # same inputs, same bytes
    page = html_path.read_text()
    assert "<script" not in page and "http" not in page.split("<body>")[1]  # offline
    assert market.source.data_id in page and params_label(DEFAULT_SURFACE_PARAMS) in page
    assert "VIX options" in page and "Not in this build" in page
    assert json.loads(json_path.read_text())["split"] == "2011-12-30"


def test_vix_slot_renders_a_tidy_frame() -> None:
    frame = pd.DataFrame(
        {"expiry": ["2024-06-18"], "moneyness": ["0.9-1.1"], "count": [12], "median_abs_pct": [7.5]}
    )
    html = vix_section_html(frame)
    assert "2024-06-18" in html and "7.50" in html


def test_params_label_names_where_the_params_come_from() -> None:
    label = params_label(DEFAULT_SURFACE_PARAMS)
    assert label.split("-")[0] in ("legacy", "params") or label.startswith("v")
    assert len(label.split("-")[-1]) == 12
    other = SurfaceParams(**{**DEFAULT_SURFACE_PARAMS.__dict__, "rho": -0.5})
    assert params_label(other).startswith("params-") and params_label(other) != label


def test_cli_writes_the_report_and_says_what_it_left_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], market: MarketData
) -> None:
    chain = _chain(market, 0.0)
    # A HOD-layout file of the same quotes.
    hod = pd.DataFrame(
        {
            "underlying": "SPXW",
            "underlying_last": chain["underlying"],
            "optionroot": "SPXW",
            "type": np.where(chain["right"] == "C", "call", "put"),
            "expiration": pd.DatetimeIndex(chain["expiry"]).strftime("%Y-%m-%d"),
            "quotedate": pd.DatetimeIndex(chain["quote_date"]).strftime("%Y-%m-%d"),
            "strike": chain["strike"],
            "bid": chain["bid"].round(2),
            "ask": chain["ask"].round(2),
            "volume": 0,
            "openinterest": 0,
        }
    )
    f = tmp_path / "chain.csv"
    hod.to_csv(f, index=False)
    empty = tmp_path / "no-indexes"
    empty.mkdir()
    out = tmp_path / "rep"
    code = main(
        [
            "fidelity",
            "--data",
            "synthetic",
            "--indexes",
            str(empty),
            "--chain",
            str(f),
            "--out",
            str(out),
            "--split",
            "none",
        ]
    )
    text = capsys.readouterr().out
    assert code == 0, text
    assert (out / "fidelity.html").is_file() and (out / "fidelity.json").is_file()
    assert "chain.csv: mean |IV error|" in text
    js = json.loads((out / "fidelity.json").read_text())
    assert js["split"] is None and js["indexes"] == []
    h = js["chains"][0]["headline"]
    # The command's synthetic market (seed 7) is not the fixture's (seed 11), so the sizes of
    # the errors mean nothing here (test_report_figures_and_files checks them); both rights
    # are compared.
    assert h["C"]["count"] > 0 and h["P"]["count"] > 0
    assert math.isfinite(h["C"]["mean_abs_error_pts"])


def test_cli_bad_split_is_one_message(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code = main(["fidelity", "--data", "synthetic", "--split", "soon", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and "--split 'soon'" in err and "Traceback" not in err
