"""``alvh book status`` on real data (a store of the real series), through the CLI.

A book opened on 2020-02-20 and looked at on 2020-03-16 (the COVID crash, VIX 82.7): the VX
future is marked at the CFE settlement read independently from the raw panel file, the options
by the surface, and the book's figures add up.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from helpers import CONFIG_TOML, write

from alvh.cli.app import main

pytestmark = pytest.mark.realdata

FILLS = """date,symbol,quantity,price,fees_usd,tier,group
2020-02-20,SPXW  200417P03000000,2,4.20,2.50,medium,c1
2020-02-20,SPXW  200417P03050000,-2,5.30,2.50,medium,c1
2020-02-20,SPXW  200417C03500000,-2,3.10,2.50,medium,c1
2020-02-20,SPXW  200417C03550000,2,1.60,2.50,medium,c1
2020-02-20,VXJ0,1,17.80,2.50,vx_futures,t1
2020-02-20,VIX   200415C00025000,10,1.05,1.10,vix_calls,t1
"""


@pytest.fixture(scope="module")
def real_store(hedge_inputs_store: Path) -> Path:
    return hedge_inputs_store


def _settle(shared_data: Path, day: str, contract: str) -> float:
    with gzip.open(shared_data / "vx_settle_panel_2004_2026.csv.gz", "rt") as f:
        for line in f:
            parts = line.split(",")
            if parts[0] == day and parts[1] == contract:
                return float(parts[5])
    raise AssertionError(f"{contract} on {day} not in the panel")


def test_status_on_the_covid_crash(
    real_store: Path,
    shared_data: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("ALVH_STORE", str(real_store))
    monkeypatch.setenv("ALVH_BOOKS", str(tmp_path / "books"))
    cfg = write(tmp_path, "cfg.toml", CONFIG_TOML)
    assert main(["book", "init", "crash", "--config", str(cfg)]) == 0
    assert main(["book", "fills", "crash", str(write(tmp_path, "f.csv", FILLS))]) == 0
    capsys.readouterr()
    assert main(["book", "status", "crash", "--date", "2020-03-16", "--json"]) == 0
    s = json.loads(capsys.readouterr().out)
    assert s["day"] == "2020-03-16" and "store" in s["data"]
    lots = {x["contract_id"]: x for x in s["lots"]}
    vx = lots["VXJ20"]
    assert vx["mark"] == _settle(shared_data, "2020-03-16", "VXJ20")  # 59.15
    assert vx["mark_source"] == "settle"
    assert vx["unrealized_pnl_usd"] == pytest.approx((59.15 - 17.80) * 1000)
    # SPX fell from 3373 to 2386: the 3050/3000 put spread is deep in the money. Its model
    # marks stay inside no-arbitrage bounds: the spread is worth at most its 50-point width
    # (discounted), at least 0, and the short (higher) put at least the long one.
    p3050, p3000 = lots["SPXW 2020-04-17 P 3050"], lots["SPXW 2020-04-17 P 3000"]
    assert p3050["mark_source"] == p3000["mark_source"] == "model"
    assert 0 < p3050["mark"] - p3000["mark"] <= 50.0
    assert p3050["mark"] - p3000["mark"] > 40.0  # ~640 points in the money, 32 days left
    assert lots["VIX 2020-04-15 C 25"]["mark"] > 59.15 - 25 - 1  # near its intrinsic value
    # Cash: 250,000 + credit (5.30 + 3.10 - 4.20 - 1.60 = 2.60) x 2 x 100 = 520, minus fees
    # 4 x 2.50 + 2.50 + 1.10 = 13.60, minus 10 VIX calls x 1.05 x 100 = 1,050.
    assert s["cash_usd"] == pytest.approx(250_000 + 520 - 13.60 - 1_050)
    assert s["equity_usd"] == pytest.approx(s["cash_usd"] + s["market_value_usd"])
    assert sum(s["pnl_by_tier_usd"].values()) + s["capital_usd"] == pytest.approx(s["equity_usd"])
    # The hedge did its job on that day: the VX and VIX call layers gained, the condor lost.
    pnl = s["pnl_by_tier_usd"]
    assert pnl["vx_futures"] > 40_000 and pnl["vix_calls"] > 30_000 and pnl["medium"] < -8_000
