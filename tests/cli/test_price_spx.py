"""``alvh price spx`` against a hand-made market (load_market patched)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "market"))
from test_surface_support import AS_OF, BASE_CLOSES, make_market

from alvh.cli.app import build_app, main
from alvh.kernel.black import black76_price
from alvh.market.surface import SpxVolSurface


@pytest.fixture
def market(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    m = make_market(BASE_CLOSES)
    monkeypatch.setattr("alvh.market.load.load_market", lambda store=None, **_: m)
    return m


ARGS = ["price", "spx", "--date", "2020-06-01", "--expiry", "2020-06-17"]


def test_json_rows_match_the_surface(market, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main([*ARGS, "--strikes", "2800,3000", "--type", "put", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    s = SpxVolSurface.from_snapshot(market.snapshot(AS_OF))
    t = 16 / 365
    assert out["t_years"] == pytest.approx(t)
    assert out["surface"] == "model"
    row = out["rows"][0]
    assert row["strike"] == 2800
    iv = float(s.iv(t, 2800.0))
    assert row["iv_pct"] == pytest.approx(100 * iv)
    expected = float(black76_price(s.forward(t), 2800.0, t, iv, s.discount(t), False))
    assert row["price"] == pytest.approx(expected)
    assert row["price_usd"] == pytest.approx(100 * expected)
    assert -0.5 < row["delta"] < 0 < row["gamma"]


def test_table_and_csv_output(market, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main([*ARGS, "--strikes", "3100", "--type", "call"]) == 0
    text = capsys.readouterr().out
    assert "SPX calls on 2020-06-01 expiring 2020-06-17" in text and "3,100" in text
    assert main([*ARGS, "--strikes", "3100", "--strikes", "3200", "--csv"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("strike,iv_pct,price,price_usd,delta,gamma,vega_per_vol_pt")
    assert len(lines) == 3


def test_date_without_data_names_the_date_and_range(market, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["price", "spx", "--date", "2021-01-04", "--expiry", "2021-01-15",
                 "--strikes", "3000"]) == 2  # fmt: skip
    err = capsys.readouterr().err
    assert "2021-01-04" in err and "2020-06-01..2020-06-01" in err
    assert "Traceback" not in err


def test_bad_strike_is_a_usage_error(market, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main([*ARGS, "--strikes", "abc"]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_building_the_app_twice_keeps_one_price_group() -> None:
    from alvh.cli.price import price_group

    build_app()
    first = price_group()
    build_app()
    assert price_group() is not first
    names = [c.name for c in price_group().registered_commands]
    assert names.count("spx") == 1
