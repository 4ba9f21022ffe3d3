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
    assert (
        main(
            ["price", "spx", "--date", "2021-01-04", "--expiry", "2021-01-15", "--strikes", "3000"]
        )
        == 2
    )
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


def test_one_strike_prints_no_numba_warning() -> None:
    # One strike and a scalar T once reached numba as read-only broadcast views: numba printed
    # a FutureWarning ("will not create a writeable array from broadcast_array") at the user.
    # A fresh interpreter: numba warns once per process, and other tests price one strike too.
    import subprocess

    code = (
        "import sys, warnings\n"
        f"sys.path.insert(0, {str(Path(__file__).resolve().parents[1] / 'market')!r})\n"
        "from test_surface_support import BASE_CLOSES, make_market\n"
        "import alvh.market.load as L\n"
        "m = make_market(BASE_CLOSES)\n"
        "L.load_market = lambda store=None, **_: m\n"
        "warnings.simplefilter('error', FutureWarning)\n"
        "from alvh.cli.app import main\n"
        f"sys.exit(main({[*ARGS, '--strikes', '2400', '--json']!r}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "Warning" not in out.stderr
    assert json.loads(out.stdout)["rows"][0]["strike"] == 2400


def test_narrow_terminal_prints_blocks_with_full_names(market, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("COLUMNS", "80")
    assert main([*ARGS, "--strikes", "2800,3000"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(len(line) for line in lines) <= 80
    text = "\n".join(lines)
    assert "…" not in text  # no header cut to "price_u…"
    for name in ("price_usd", "vega_per_vol_pt", "theta_per_day", "dividend yield %"):
        assert name in text
    assert sum(line.startswith("strike 2,800") for line in lines) == 1
    monkeypatch.setenv("COLUMNS", "140")
    assert main([*ARGS, "--strikes", "2800,3000"]) == 0
    text = capsys.readouterr().out
    assert "┃ price_usd ┃" in text and "…" not in text


@pytest.mark.parametrize(
    ("day", "message"),
    [
        ("06/01/2020", "'--date' = '06/01/2020'; expected a date as YYYY-MM-DD"),
        ("2020-5-30", "'--date' = '2020-5-30'; expected a date as YYYY-MM-DD"),
        ("2020-05-30", "--date 2020-05-30 (Saturday) is not an NYSE trading session"),
    ],
)
def test_price_date_is_iso_and_a_session(market, capsys, day, message) -> None:  # type: ignore[no-untyped-def]
    assert main(["price", "spx", "--date", day, "--expiry", "2020-06-17", "--strikes", "3000"]) == 2
    cap = capsys.readouterr()
    assert message in " ".join((cap.out + cap.err).split())
