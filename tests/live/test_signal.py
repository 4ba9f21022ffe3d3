"""``alvh signal`` is the backtest: for every session D of a synthetic quarter with a stress
episode, the signal's orders (prices included) and journal equal one full run's rows for D.

Each signal is a separate replay from the config's start through D (``signal_for``); the full
run is one ``alvh.backtest.run`` over the quarter. Reading the rows of the session before D
instead (an off-by-one in the date the signal reads) fails the comparison (tested).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from signal_fixtures import order_records, quarter_config

from alvh.backtest import run
from alvh.cli.app import main
from alvh.live.signal import SignalDateError, load_for_signal, signal_for


@pytest.fixture(scope="module")
def quarter():  # type: ignore[no-untyped-def]
    cfg = quarter_config()
    market = load_for_signal(cfg, None, cfg.data.end)
    return cfg, market, run(cfg, market)


def _rows(orders: pd.DataFrame, day: pd.Timestamp) -> pd.DataFrame:
    return orders[pd.to_datetime(orders["date"]) == day].reset_index(drop=True)


def _journal(result, day: pd.Timestamp) -> tuple:  # type: ignore[no-untyped-def]
    return next(tuple(es) for d, es in result.journal if d == day)


def test_signal_equals_the_backtest_on_every_session(quarter) -> None:  # type: ignore[no-untyped-def]
    cfg, market, full = quarter
    sessions = full.daily.index
    compared = hedge_orders = 0
    # The first session is refused (the engine needs two), checked below; every other one here.
    for day in sessions[1:]:
        sig = signal_for(cfg, market, day.date())
        assert sig.day == day.date() and sig.start == sessions[0].date()
        assert sig.sessions == sessions.get_loc(day) + 1
        expected = _rows(full.orders, day)
        assert list(sig.orders.columns) == list(expected.columns)
        assert order_records(sig.orders) == order_records(expected), day  # exact, prices included
        assert sig.journal == _journal(full, day), day
        compared += len(sig.orders)
        hedge_orders += int((sig.orders["kind"] == "hedge").sum())
    assert compared == len(full.orders) == 48  # every order of the run was a signal's
    assert hedge_orders == 6


def test_an_off_by_one_in_the_date_fails_the_comparison(quarter) -> None:  # type: ignore[no-untyped-def]
    cfg, market, full = quarter
    days = pd.DatetimeIndex(sorted(set(pd.to_datetime(full.orders["date"]))))[:6]
    sessions = full.daily.index
    for day in days:
        prev = sessions[sessions.get_loc(day) - 1]
        sig = signal_for(cfg, market, day.date())
        # The journal of the session before is never D's (its dates and SPX differ), and the
        # orders differ on days with orders.
        assert sig.journal != _journal(full, prev)
        assert order_records(sig.orders) != order_records(_rows(full.orders, prev))


def test_the_signal_holds_what_the_run_held(quarter) -> None:  # type: ignore[no-untyped-def]
    cfg, market, full = quarter
    day = full.daily.index[40]
    sig = signal_for(cfg, market, day.date())
    t = full.trades[full.trades["date"] <= day]
    signed = t["qty"].where(t["side"] == "buy", -t["qty"])
    net = signed.groupby(t["contract"]).sum()
    assert sig.held == {k: float(v) for k, v in net.items() if abs(v) > 1e-9}
    assert any(k.startswith("VX") for k in sig.held) or any("C" in k for k in sig.held)


@pytest.mark.parametrize(
    ("day", "words"),
    [
        (date(2008, 8, 9), "is not an NYSE trading session"),  # a Saturday
        (date(2008, 8, 4), "before the config's start 2008-08-05"),
        (date(2008, 12, 1), "VIX close is 2008-11-28"),
        (date(2008, 8, 5), "first session of a replay"),
    ],
)
def test_refusals_are_typed(quarter, day: date, words: str) -> None:  # type: ignore[no-untyped-def]
    cfg, market, _ = quarter
    with pytest.raises(SignalDateError, match=words):
        signal_for(cfg, market, day)


def _config_file(tmp_path: Path) -> Path:
    from alvh.config.load import dump_toml

    p = tmp_path / "quarter.toml"
    p.write_text(dump_toml(quarter_config()))
    return p


def test_cli_json_and_table(quarter, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    _, _, full = quarter
    path = _config_file(tmp_path)
    day = pd.Timestamp(full.orders["date"].iloc[-1])
    assert main(["signal", "--config", str(path), "--date", str(day.date()), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    # The command (config file, market loaded by the command) gives the full run's rows.
    expected = _rows(full.orders, day)
    assert out["date"] == str(day.date()) and out["replay"]["start"] == "2008-08-05"
    assert [o["contract"] for o in out["orders"]] == list(expected["contract"])
    assert [o["limit_price"] for o in out["orders"]] == list(expected["limit_price"])
    assert [j["rule"] for j in out["journal"]] == [e.rule for e in _journal(full, day)]
    assert out["data"]["synthetic"] is True
    for o in out["orders"]:
        if o["kind"].startswith("condor"):
            assert len(o["symbols"]) == 4 and all(len(s) == 21 for s in o["symbols"])
    assert main(["signal", "--config", str(path), "--date", str(day.date())]) == 0
    text = capsys.readouterr().out
    assert "SYNTHETIC" in text and f"journal of {day.date()}" in text
    assert f"orders decided at the close of {day.date()}" in text


def test_cli_refuses_without_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _config_file(tmp_path)
    assert main(["signal", "--config", str(path), "--date", "2008-08-09"]) == 2
    err = capsys.readouterr().err
    assert "not an NYSE trading session" in err and "Traceback" not in err


def test_signal_of_a_book_steps_from_its_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from alvh.config.load import config_with_overrides

    monkeypatch.setenv("ALVH_BOOKS", str(tmp_path / "books"))
    (tmp_path / "store").mkdir()
    monkeypatch.setenv("ALVH_STORE", str(tmp_path / "store"))  # empty: synthetic market
    path = _config_file(tmp_path)
    assert main(["book", "init", "qb", "--config", str(path), "--capital", "500000"]) == 0
    day = date(2008, 10, 6)
    assert main(["book", "advance", "qb", "--through", "2008-10-03"]) == 0
    capsys.readouterr()
    assert main(["signal", "--book", "qb", "--date", str(day), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["book"]["capital_usd"] == 500000.0
    assert out["replay"] is None
    assert out["step"] == {"from_state_of": "2008-10-03", "sessions_stepped": 1}
    # The step is the book's config at the book's capital, not the config's 1,000,000.
    cfg = config_with_overrides(quarter_config(), **{"capital.initial_usd": 500000.0})
    expected = signal_for(cfg, load_for_signal(cfg, None, day), day)
    assert len(out["orders"]) > 0
    assert [o["qty"] for o in out["orders"]] == list(expected.orders["qty"])
    assert [o["limit_price"] for o in out["orders"]] == list(expected.orders["limit_price"])
    assert main(["signal", "--book", "qb", "--date", str(day)]) == 0
    text = capsys.readouterr().out
    assert "stepped from the book's state at the end of 2008-10-03" in text
    code = main(["signal", "--book", "qb", "--preset", "ic-ladder"])
    assert code == 2


def test_signal_of_a_book_with_positions_it_did_not_open_reports_them_and_leaves_them_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 20: "positions the strategy does not recognise are reported and left alone". A
    book never stepped that records an imported position gets the paper book's signal (the
    same orders as an empty book of the same config) with the position listed as not
    managed; advancing it steps it as the empty book, naming the position, and the signal of
    the stepped book still lists it as not managed beside the empty book's orders."""
    monkeypatch.setenv("ALVH_BOOKS", str(tmp_path / "books"))
    (tmp_path / "store").mkdir()
    monkeypatch.setenv("ALVH_STORE", str(tmp_path / "store"))
    path = _config_file(tmp_path)
    assert main(["book", "init", "qb", "--config", str(path)]) == 0
    assert main(["book", "init", "pb", "--config", str(path)]) == 0
    pos = tmp_path / "pos.csv"
    pos.write_text(
        "symbol,quantity,avg_price,opened,tier,group\n"
        "SPXW  271217P05000000,-2,30.5,2008-09-02,manual,m1\n"
    )
    assert main(["book", "import", "qb", str(pos)]) == 0
    capsys.readouterr()
    assert main(["signal", "--book", "qb", "--date", "2008-10-06", "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    (nm,) = got["book"]["not_managed"]
    assert nm["qty"] == -2.0 and "2027-12-17" in nm["contract"] and "5000" in nm["contract"]
    assert main(["signal", "--book", "pb", "--date", "2008-10-06", "--json"]) == 0
    paper = json.loads(capsys.readouterr().out)
    assert paper["book"]["not_managed"] == []
    assert got["orders"] == paper["orders"] and got["journal"] == paper["journal"]
    assert main(["signal", "--book", "qb", "--date", "2008-10-06"]) == 0
    text = capsys.readouterr().out
    assert "not managed" in text
    assert main(["book", "advance", "qb", "--through", "2008-10-03"]) == 0
    advanced = capsys.readouterr().out
    assert "not managed" in advanced and "SPXW 2027-12-17 P 5000 -2" in advanced
    assert main(["book", "advance", "pb", "--through", "2008-10-03"]) == 0
    capsys.readouterr()
    for book in ("qb", "pb"):
        assert main(["signal", "--book", book, "--date", "2008-10-06", "--json"]) == 0
        out = json.loads(capsys.readouterr().out)
        assert out["step"] == {"from_state_of": "2008-10-03", "sessions_stepped": 1}
        assert out["orders"] == paper["orders"] and out["journal"] == paper["journal"]
        assert out["book"]["not_managed"] == (got["book"]["not_managed"] if book == "qb" else [])
