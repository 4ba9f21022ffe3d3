"""``alvh curve``, ``alvh etf`` and ``alvh price vix`` on a small hand-made market."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

import alvh.market.load
from alvh.calendar.sessions import trading_calendar
from alvh.cli.app import main
from alvh.cli.price_vix import register_on
from alvh.market.data import DataSource, MarketData
from alvh.market.schema import TABLES

SESSIONS = trading_calendar("CBOE").sessions_in_range("2020-02-03", "2020-03-31")
CONTRACTS = [("VXG20", "2020-02-19"), ("VXH20", "2020-03-18"), ("VXJ20", "2020-04-15")]
CONTRACTS += [("VXK20", "2020-05-20"), ("VXM20", "2020-06-17")]


def settle(day: pd.Timestamp, expiry: pd.Timestamp) -> float:
    """Contango in February (15 + 0.05 x dte), backwardation from March (40 - 0.1 x dte)."""
    dte = (expiry - day).days
    return 15.0 + 0.05 * dte if day.month == 2 else 40.0 - 0.1 * dte


def market() -> MarketData:
    rows = [
        (d, c, pd.Timestamp(e), settle(d, pd.Timestamp(e)))
        for d in SESSIONS
        for c, e in CONTRACTS
        if pd.Timestamp(e) > d
    ]
    vx = pd.DataFrame(rows, columns=["date", "contract", "expiry", "settle"])
    vx["known_at"] = vx["date"] + pd.Timedelta(hours=16, minutes=15)
    n = len(SESSIONS)
    bars = pd.DataFrame(
        {
            "symbol": np.repeat(["VIX", "VIX3M", "VVIX"], n),
            "date": np.tile(SESSIONS, 3),
            "close": np.concatenate([np.full(n, 14.0), np.full(n, 16.0), np.full(n, 90.0)]),
        }
    )
    bars["known_at"] = bars["date"] + pd.Timedelta(hours=16, minutes=15)
    rates = pd.DataFrame({"series": "IRX", "date": SESSIONS, "value_pct": 1.5})
    rates["known_at"] = rates["date"] + pd.Timedelta(hours=16)
    tables = {
        "index_bars": bars,
        "vx_settlements": vx,
        "rates": rates,
        "events": TABLES["events"].empty(),
    }
    return MarketData(tables, DataSource("store", "test", "hand-made test market"))


@pytest.fixture(autouse=True)
def fake_market(monkeypatch: pytest.MonkeyPatch) -> MarketData:
    md = market()
    monkeypatch.setattr(alvh.market.load, "load_market", lambda store=None, **kw: md)
    return md


def test_curve_json_on_a_contango_day(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["curve", "--date", "2020-02-10", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [c["contract"] for c in out["contracts"]] == [c for c, _ in CONTRACTS]
    # VXG20 has 9 days, VXH20 37: 30d point = 15 + 0.05 x 30 on a linear curve
    assert out["cm30"]["value"] == pytest.approx(16.5)
    assert out["regime"] == "contango"
    assert out["vix_over_vix3m"] == pytest.approx(14 / 16)
    assert out["roll_yield_vx1_vx2"]["per_month_pct"] < 0
    assert out["source"] == "hand-made test market"


def test_curve_table_shows_backwardation(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["curve", "--date", "2020-03-16"]) == 0
    text = capsys.readouterr().out
    assert "VXH20" in text and "backwardation" in text and "30-day constant maturity" in text


def test_curve_csv_has_one_row_per_contract(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["curve", "--date", "2020-03-16", "--csv"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("contract,expiry,dte_days,settle,cm30,regime")
    assert lines[1].startswith("VXH20,2020-03-18,2,39.8,")


def test_date_without_data_names_the_range(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["curve", "--date", "2020-03-15"]) == 2
    err = capsys.readouterr().err
    assert "2020-03-15" in err and "2020-02-03..2020-03-31" in err
    assert "Traceback" not in err


def test_etf_json_starts_at_100_and_tracks_the_index(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["etf", "--start", "2020-02-03", "--end", "2020-03-31", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    rows = out["rows"]
    assert rows[0]["er_index"] == rows[0]["etf_price"] == 100.0
    assert out["tbill"] == "IRX" and out["fee_pct_per_year"] == pytest.approx(0.89)
    # February: linear contango, the index loses; then the jump to backwardation on March 2
    feb = [r for r in rows if r["date"] < "2020-03-01"]
    assert feb[-1]["er_index"] < 100.0
    mar2 = next(r for r in rows if r["date"] == "2020-03-02")
    assert mar2["er_index"] > 2 * feb[-1]["er_index"]
    w = [r["weight_front"] for r in rows]
    assert all(0 < x <= 1 for x in w)


def test_etf_monthly_csv(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["etf", "--start", "2020-02-03", "--end", "2020-03-31", "--monthly", "--csv"]
    assert main([*args, "--fee-pct", "0"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "month,er_index,tr_index,etf_price,etf_month_pct"
    assert [ln.split(",")[0] for ln in lines[1:]] == ["2020-02", "2020-03"]
    feb = lines[1].split(",")
    # no fee: the ETF follows the TR index
    assert float(feb[3]) == pytest.approx(float(feb[2]))


def test_etf_range_without_data(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["etf", "--start", "2021-01-04", "--end", "2021-02-01"]) == 2
    assert "2020-02-03..2020-03-31" in capsys.readouterr().err


def price_app() -> typer.Typer:
    app = typer.Typer()
    group = typer.Typer()
    register_on(group)
    app.add_typer(group, name="price")

    @app.callback()
    def _root() -> None: ...

    return app


def test_price_vix_json_prices_on_the_future_of_the_expiry() -> None:
    args = ["price", "vix", "--date", "2020-03-16", "--expiry", "2020-04-15"]
    res = CliRunner().invoke(
        price_app(), [*args, "--strikes", "30,40", "--strikes", "50", "--json"]
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    # VXJ20 on 2020-03-16: 40 - 0.1 x 30 = 37
    assert out["future"] == "VXJ20" and out["forward"] == pytest.approx(37.0)
    assert out["vvix"] == 90.0 and out["rate_pct"] == 1.5
    assert [r["strike"] for r in out["rows"]] == [30.0, 40.0, 50.0]
    prices = [r["price"] for r in out["rows"]]
    assert prices[0] > prices[1] > prices[2] > 0
    assert out["rows"][0]["price"] >= math.exp(-0.015 * 30 / 365) * 7.0  # above intrinsic
    assert out["rows"][1]["price_usd"] == pytest.approx(100 * prices[1])


def test_price_vix_puts_and_missing_expiry() -> None:
    args = ["price", "vix", "--date", "2020-03-16", "--strikes", "30", "--type", "put", "--csv"]
    res = CliRunner().invoke(price_app(), args)
    assert res.exit_code == 0, res.output
    assert res.output.splitlines()[0].startswith("strike,vol_pct,price")
    bad = CliRunner().invoke(price_app(), [*args, "--expiry", "2020-04-14"])
    assert bad.exit_code != 0
    assert "2020-04-15" in str(bad.exception)


def test_price_vix_is_on_the_shared_price_group(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["price", "vix", "--date", "2020-03-16", "--expiry", "2020-04-15", "--strikes", "40"]
    assert main([*args, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["future"] == "VXJ20"
    assert (
        main(["price", "vix", "--date", "2020-03-16", "--expiry", "2020-04-14", "--strikes", "40"])
        == 2
    )
    err = capsys.readouterr().err
    assert "2020-04-15" in err and "Traceback" not in err
