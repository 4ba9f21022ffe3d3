"""``alvh book ...`` through the real CLI entry point: output, --json, exit codes, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import CONFIG_TOML, write

from alvh.cli.app import main

# The synthetic market (empty store) ends 2026-09-30: positions live beyond it.
POS = """symbol,quantity,avg_price,opened,tier,group
SPXW  261120P05000000,-1,6.5,2026-09-01,medium,c1
SPXW  261120P04950000,1,5.0,2026-09-01,medium,c1
VXX6,1,20.0,2026-09-01,vx_futures,t1
AAPL,10,190,2026-09-01,,
"""


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ALVH_BOOKS", str(tmp_path / "books"))
    (tmp_path / "store").mkdir()
    monkeypatch.setenv("ALVH_STORE", str(tmp_path / "store"))  # empty: synthetic market
    write(tmp_path, "cfg.toml", CONFIG_TOML)
    write(tmp_path, "pos.csv", POS)
    return tmp_path


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_init_import_log_diff(env: Path, capsys: pytest.CaptureFixture[str], db_url: str) -> None:
    db = ["--db", db_url]
    code, out, _ = _run(capsys, "book", "init", "cli", "--config", str(env / "cfg.toml"), *db)
    assert code == 0 and "capital 250,000" in out
    code, out, _ = _run(capsys, "book", "import", "cli", str(env / "pos.csv"), "--json", *db)
    res = json.loads(out)
    assert code == 0 and res["applied"] and res["n_events"] == 4
    assert res["foreign"] == [[5, "AAPL", "ticker AAPL is not the hedge's ETF (VXX)"]]
    code, out, _ = _run(capsys, "book", "import", "cli", str(env / "pos.csv"), *db)
    assert code == 0 and "applied already" in out and "nothing applied again" in out
    code, out, _ = _run(capsys, "book", "log", "cli", "--limit", "3", "--json", *db)
    page = json.loads(out)
    assert page["total"] == 4 and [e["seq"] for e in page["events"]] == [1, 2, 3]
    assert page["events"][0]["payload"]["contract"] == "SPXW 2026-11-20 P 5000"
    code, out, _ = _run(capsys, "book", "log", "cli", "--limit", "3", *db)
    assert "next page: alvh book log cli --after 3" in out
    # The broker shows the same: exit 0; one contract fewer: exit 1 and the line.
    code, out, _ = _run(capsys, "book", "diff", "cli", str(env / "pos.csv"), *db)
    assert code == 0 and "4 contracts agree, 0 differ" in out
    write(env, "broker.csv", POS.replace("VXX6,1,", "VXX6,2,"))
    code, out, _ = _run(capsys, "book", "diff", "cli", str(env / "broker.csv"), "--json", *db)
    assert code == 1
    assert json.loads(out)["differences"] == [
        {"symbol": "VXX26", "book_qty": 1.0, "broker_qty": 2.0, "status": "quantity", "gap": 1.0}
    ]


def test_fills_and_errors_without_traceback(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["book", "init", "cli", "--config", str(env / "cfg.toml")]) == 0
    assert (env / "books" / "cli.sqlite").exists()  # the default: $ALVH_BOOKS/NAME.sqlite
    assert main(["book", "import", "cli", str(env / "pos.csv")]) == 0
    capsys.readouterr()
    write(env, "f.csv", "date,symbol,quantity,price\n2026-09-15,VXX6,-1,21.0\n")
    code, out, _ = _run(capsys, "book", "fills", "cli", str(env / "f.csv"))
    assert code == 0 and "fills: 1 events written" in out
    # Flat now: a second sale marked as a close has nothing to close (unmarked, it would open
    # a short).
    write(env, "bad.csv", "date,symbol,quantity,price,effect\n2026-09-16,VXX6,-1,21.0,close\n")
    code, out, err = _run(capsys, "book", "fills", "cli", str(env / "bad.csv"))
    assert code == 2 and "Traceback" not in err
    assert "bad.csv, line 2, column 'symbol'" in err and "holds no VXX26" in err
    code, _, err = _run(capsys, "book", "status", "nope")
    assert code == 2 and "no book database" in err
    write(env, "cfg.toml", CONFIG_TOML.replace("250000.0", "1.0"))
    code, _, err = _run(capsys, "book", "log", "cli")
    assert code == 0  # reading the log does not need the config
    code, _, err = _run(capsys, "book", "fills", "cli", str(env / "bad.csv"))
    assert code == 2 and "--accept-config-change" in err
