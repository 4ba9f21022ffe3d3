"""``alvh price vix``: weekly expiries and the vol surface table on a small hand-made market."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

import alvh.market.load
from alvh.calendar.sessions import trading_calendar
from alvh.cli.price_vix import register_on
from alvh.market.data import DataSource, MarketData
from alvh.market.schema import TABLES
from alvh.market.vixoptions import VixOptionModel

SESSIONS = trading_calendar("CBOE").sessions_in_range("2024-06-03", "2024-06-07")
# 2024-06-03: VIX 13; VXM24 (15 days) 13.5, VXN24 (44 days) 14.5, VXQ24 (79 days) 15.0
CONTRACTS = [("VXM24", "2024-06-18", 13.5), ("VXN24", "2024-07-17", 14.5)]
CONTRACTS += [("VXQ24", "2024-08-21", 15.0)]


def market() -> MarketData:
    rows = [(d, c, pd.Timestamp(e), f) for d in SESSIONS for c, e, f in CONTRACTS]
    vx = pd.DataFrame(rows, columns=["date", "contract", "expiry", "settle"])
    vx["known_at"] = vx["date"] + pd.Timedelta(hours=16, minutes=15)
    n = len(SESSIONS)
    bars = pd.DataFrame(
        {
            "symbol": np.repeat(["VIX", "VVIX"], n),
            "date": np.tile(SESSIONS, 2),
            "close": np.concatenate([np.full(n, 13.0), np.full(n, 80.0)]),
        }
    )
    bars["known_at"] = bars["date"] + pd.Timedelta(hours=16, minutes=15)
    rates = pd.DataFrame({"series": "IRX", "date": SESSIONS, "value_pct": 5.0})
    rates["known_at"] = rates["date"] + pd.Timedelta(hours=16)
    tables = {"index_bars": bars, "vx_settlements": vx, "rates": rates}
    tables["events"] = TABLES["events"].empty()
    return MarketData(tables, DataSource("store", "test", "hand-made test market"))


@pytest.fixture(autouse=True)
def fake_market(monkeypatch: pytest.MonkeyPatch) -> None:
    md = market()
    monkeypatch.setattr(alvh.market.load, "load_market", lambda store=None, **kw: md)


def app() -> typer.Typer:
    root, group = typer.Typer(), typer.Typer()
    register_on(group)
    root.add_typer(group, name="price")

    @root.callback()
    def _root() -> None: ...

    return root


def test_weekly_expiry_prices_on_the_interpolated_forward() -> None:
    args = ["price", "vix", "--date", "2024-06-03", "--expiry", "2024-06-26", "--json"]
    res = CliRunner().invoke(app(), [*args, "--strikes", "14,16"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    # 23 days: between VXM24 (15 d, 13.5) and VXN24 (44 d, 14.5): 13.5 + 8/29 = 13.7759
    assert out["forward"] == pytest.approx(13.5 + 8 / 29)
    assert out["forward_interpolated"] is True and out["future"] is None
    vol = VixOptionModel(80.0).vol(out["forward"], [14.0, 16.0], 23)
    assert [r["vol_pct"] for r in out["rows"]] == pytest.approx(list(100 * vol))
    bad = CliRunner().invoke(app(), [*args[:5], "2024-06-25", "--strikes", "14"])
    assert bad.exit_code != 0 and "not a VIX option expiry" in str(bad.exception)


def test_surface_shows_the_fitted_vol_per_strike_and_expiry_in_80_columns() -> None:
    args = ["price", "vix", "--date", "2024-06-03", "--surface"]
    res = CliRunner().invoke(app(), [*args, "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert [c["contract"] for c in out["expiries"]] == ["VXM24", "VXN24", "VXQ24"]
    row = next(r for r in out["rows"] if r["strike"] == 13.5)
    model = VixOptionModel(80.0)
    assert row["06-18"] == pytest.approx(100 * float(model.vol(13.5, 13.5, 15)))
    assert row["08-21"] == pytest.approx(100 * float(model.vol(15.0, 13.5, 79)))
    # call skew: vol rises with the strike in every column
    grid = pd.DataFrame(out["rows"]).set_index("strike")
    assert (grid.diff().dropna() > 0).all().all()
    text = CliRunner().invoke(app(), args, env={"COLUMNS": "80"})
    assert text.exit_code == 0, text.output
    assert max(len(line) for line in text.output.splitlines()) <= 80
    assert "VixOptionModel 2024-06-03.1" in text.output
