"""The dashboard's pages and JSON API over HTTP (FastAPI's TestClient), on run directories made
by the tests: the hand run (figures checked by hand) and a short synthetic backtest."""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from numpy.testing import assert_allclose
from web_fixtures import HAND_DATES, HAND_RULES

from alvh.web.app import create_app


@pytest.fixture
def hand(hand_root: Path) -> TestClient:
    return TestClient(create_app([hand_root]))


@pytest.fixture(scope="module")
def bt(backtest_root: Path) -> TestClient:
    return TestClient(create_app([backtest_root]))


def test_runs_page_lists_every_run_with_its_data_id_preset_and_hedge(bt, backtest_root) -> None:
    s = json.loads((backtest_root / "ladder" / "jan-feb" / "summary.json").read_text())
    r = bt.get("/")
    assert r.status_code == 200
    html = r.text
    for key in ("ladder/copy", "ladder/jan-feb"):
        assert f'data-key="{key}"' in html
    assert s["data"]["data_id"] in html and "ic-ladder" in html and "alvh-442" in html
    rows = {row["key"]: row for row in bt.get("/api/runs").json()}
    row = rows["ladder/jan-feb"]
    assert row["start"] == "2018-01-02" and row["end"] == "2018-02-28"
    assert row["hedged_cagr_pct"] == pytest.approx(s["books"]["hedged"]["cagr_pct"])
    assert row["unhedged_max_drawdown_pct"] == pytest.approx(
        s["books"]["unhedged"]["max_drawdown"]["max_drawdown_pct"]
    )
    h, u = s["books"]["hedged"], s["books"]["unhedged"]
    assert row["diff_cagr_pct"] == pytest.approx(h["cagr_pct"] - u["cagr_pct"])
    assert row["diff_max_drawdown_pct"] == pytest.approx(
        h["max_drawdown"]["max_drawdown_pct"] - u["max_drawdown"]["max_drawdown_pct"]
    )


def test_summary_fields_missing_or_of_another_type_show_blank(hand) -> None:
    row = hand.get("/api/runs").json()[0]
    assert row["preset"] == "hand-preset" and row["hedge"] == "hand-hedge"
    assert row["hedged_cagr_pct"] == 12.5
    assert row["unhedged_cagr_pct"] is None  # "n/a" in the file
    assert row["unhedged_sharpe"] is None and row["hedged_sharpe"] is None
    assert hand.get("/run", params={"run": "hand"}).status_code == 200


def test_series_drawdown_monthly_returns_and_costs_match_the_hand_arithmetic(hand) -> None:
    s = hand.get("/api/series", params={"run": "hand"}).json()
    assert s["dates"] == HAND_DATES
    h = s["books"]["hedged"]
    # Running peak 1.0M, 1.1M, 1.1M, 1.1M: drawdowns 0, 0, -10 %, -1 %.
    assert_allclose(h["drawdown_pct"], [0.0, 0.0, -10.0, -1.0], atol=1e-9)
    # Jan: 1.1M / 1.0M start = +10 %; Feb: 1.089M / 1.1M = -1 %.
    assert s["monthly"]["hedged"] == pytest.approx({"2020-01": 10.0, "2020-02": -1.0})
    # Unhedged: Jan 1.05M / 1.0M = +5 %; Feb 1.0M / 1.05M = -4.7619 %.
    assert s["monthly"]["unhedged"]["2020-02"] == pytest.approx(-4.7619, abs=1e-4)
    assert s["costs_cum_usd"] == [0.0, 12.5, 12.5, 20.0]
    assert s["pnl_total_usd"] == {"tier_short": 0.0, "hedge_vx_futures": 89_000.0}
    # Contracts 0 (no row), 2, 2, 5: changes +2 on 01-31 and +3 on 02-28.
    assert s["layers"]["vx_futures"] == [0.0, 2.0, 2.0, 5.0]
    assert s["layer_changes"] == [
        {"date": "2020-01-31", "layer": "vx_futures", "change": 2.0},
        {"date": "2020-02-28", "layer": "vx_futures", "change": 3.0},
    ]


def test_journal_api_pages_a_day_and_counts_all_its_rows(hand) -> None:
    p = {"run": "hand", "date": "2020-01-31", "limit": 10}
    first = hand.get("/api/journal", params=p).json()
    assert first["total"] == HAND_RULES and len(first["rows"]) == 10
    last = hand.get("/api/journal", params=p | {"offset": 20}).json()
    assert [r["rule"] for r in last["rows"]] == [f"r.{i:02d}" for i in range(20, 30)]
    assert last["rows"][0]["inputs"] == {"i": 20, "x_usd": 30.0}
    acted = hand.get("/api/journal", params={"run": "hand", "acted": True}).json()
    assert [(r["rule"], r["action"]) for r in acted["rows"]] == [("r.07", "add_layer")]
    hedge = hand.get("/api/journal", params={"run": "hand", "rule": "hedge."}).json()
    assert [(r["date"], r["rule"]) for r in hedge["rows"]] == [("2020-02-03", "hedge.trigger.rsi")]
    too_many = hand.get("/api/journal", params={"run": "hand", "limit": 100_000})
    assert too_many.status_code == 422


def test_day_page_shows_rules_fills_condors_and_hedges_held(hand) -> None:
    r = hand.get("/day", params={"run": "hand", "date": "2020-01-31", "limit": 50})
    assert r.status_code == 200
    html = r.text
    for i in range(HAND_RULES):
        assert f"reason number {i}<" in html
    assert "VXH20" in html and "17.2500" in html
    # The reason's markup is escaped, not rendered.
    assert "&lt;b&gt;tranche&lt;/b&gt;" in html and "<b>tranche</b>" not in html
    # Condor 0 (opened 01-30, closed 02-03) and 1 (opened 01-31, open) are both held on 01-31.
    assert html.count('<td class="num">0</td><td>short</td>') == 1
    assert '<td class="num">1</td><td>short</td>' in html
    # Neighbouring sessions link from the journal.
    assert "date=2020-01-30" in html and "date=2020-02-03" in html
    # On 02-03 condor 0 has closed: only condor 1 is held.
    later = hand.get("/day", params={"run": "hand", "date": "2020-02-03", "partial": True}).text
    assert '<td class="num">0</td><td>short</td>' not in later
    assert "<html" not in later  # the partial is the panel only


def test_day_page_on_a_backtest_shows_every_journal_row_of_that_day(bt, backtest_root) -> None:
    db = backtest_root / "ladder" / "jan-feb" / "journal.sqlite"
    with sqlite3.connect(db) as con:
        (day,) = con.execute(
            "SELECT min(date) FROM decisions WHERE action != 'none' AND rule LIKE 'hedge.%'"
        ).fetchone()
        (n,) = con.execute("SELECT count(*) FROM decisions WHERE date = ?", (day,)).fetchone()
        reasons = [r for (r,) in con.execute("SELECT reason FROM decisions WHERE date = ?", (day,))]
    html = bt.get("/day", params={"run": "ladder/jan-feb", "date": day}).text
    assert f"({n} rules; journal.sqlite)" in html
    for reason in reasons:
        assert reason.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") in html
    trades = pd.read_csv(backtest_root / "ladder" / "jan-feb" / "trades.csv")
    for contract in trades.loc[trades["date"] == day, "contract"]:
        assert contract in html


def test_run_page_and_series_of_a_backtest(bt, backtest_root) -> None:
    eq = pd.read_csv(backtest_root / "ladder" / "jan-feb" / "equity.csv")
    html = bt.get("/run", params={"run": "ladder/jan-feb"}).text
    assert 'id="equity-chart"' in html and "/static/plotly.min.js" in html
    s = bt.get("/api/series", params={"run": "ladder/jan-feb"}).json()
    assert s["dates"] == list(eq["date"])
    assert_allclose(s["books"]["hedged"]["equity_usd"], eq["hedged_equity_usd"], atol=1e-6)
    assert all(v <= 0.0 for v in s["books"]["hedged"]["drawdown_pct"])


def test_compare_page_lists_the_chosen_runs(bt) -> None:
    r = bt.get("/compare", params=[("run", "ladder/jan-feb"), ("run", "ladder/copy")])
    assert r.status_code == 200 and r.text.count('href="/run?run=ladder') == 2
    both = bt.get("/api/compare", params=[("run", "ladder/jan-feb"), ("run", "ladder/copy")])
    assert set(both.json()) == {"ladder/jan-feb", "ladder/copy"}


def test_assets_are_served_locally_and_pages_are_byte_stable(hand) -> None:
    js = hand.get("/static/plotly.min.js")
    assert js.status_code == 200 and b"plotly" in js.content[:2000].lower()
    # The vendored partial bundle: its pinned sha256, a real bundle (not a CDN loader) and
    # every trace type the pages draw registered in it.
    assert js.headers["x-alvh-plotly-bundle"] == "partial"
    assert hashlib.sha256(js.content).hexdigest() == PLOTLY_SHA256
    assert 1_000_000 < len(js.content) < 2_000_000
    for trace in ("scatter", "bar", "heatmap"):
        assert f'moduleType:"trace",name:"{trace}"'.encode() in js.content
    app_js = hand.get("/static/app.js").text
    used = set(re.findall(r'type: "([a-z0-9]+)"', app_js)) - {"line", "date", "category"}
    assert used and used <= {"scatter", "bar", "heatmap"}, used  # no trace outside the bundle
    for path in ("/static/app.js", "/static/app.css"):
        assert hand.get(path).status_code == 200
    page = hand.get("/day", params={"run": "hand", "date": "2020-01-31"}).content
    assert hand.get("/day", params={"run": "hand", "date": "2020-01-31"}).content == page
    for html in (hand.get("/").text, hand.get("/run", params={"run": "hand"}).text):
        assert "http://" not in html and "https://" not in html  # nothing from the network


def test_a_bad_date_is_a_400_naming_the_expected_format(hand) -> None:
    r = hand.get("/day", params={"run": "hand", "date": "31/01/2020"})
    assert r.status_code == 400 and "YYYY-MM-DD" in r.text


def test_a_new_run_appears_on_reload(hand_root) -> None:
    from web_fixtures import write_hand_run

    client = TestClient(create_app([hand_root]))
    assert [r["key"] for r in client.get("/api/runs").json()] == ["hand"]
    write_hand_run(hand_root / "later")
    assert [r["key"] for r in client.get("/api/runs").json()] == ["hand", "later"]


def test_orders_decided_on_a_day_are_the_fills_of_the_next_session(hand) -> None:
    # Fills are next_close by default: the VXH20 buy dated 2020-01-31 was decided on 01-30.
    html = hand.get("/day", params={"run": "hand", "date": "2020-01-30"}).text
    decided, fills = html.split("Orders decided today")[1].split("Fills at this close")
    assert "VXH20" in decided and "trades.csv rows of 2020-01-31" in decided
    assert "VXH20" not in fills and "No fills on this day." in fills


def test_decisions_across_the_run_are_paged_and_filtered(hand) -> None:
    acted = hand.get("/decisions", params={"run": "hand", "rule": "r."}).text
    assert 'data-total="1"' in acted and "reason number 7" in acted
    assert "reason number 8" not in acted
    every = hand.get("/decisions", params={"run": "hand", "rule": "", "acted": False, "limit": 10})
    assert 'data-total="32"' in every.text  # 1 + 30 + 1 rows in the hand journal
    assert 'data-offset="10"' in every.text and "earlier" not in every.text
    last = hand.get(
        "/decisions", params={"run": "hand", "rule": "", "acted": False, "limit": 10, "offset": 30}
    ).text
    assert "hedge.trigger.rsi" in last and "later" not in last and 'data-offset="20"' in last


def test_day_page_shows_greeks_and_margin_of_each_book(hand) -> None:
    html = hand.get("/day", params={"run": "hand", "date": "2020-01-31"}).text
    greeks = html.split("Greeks and margin at the close")[1].split("Decisions")[0]
    # hedged_margin_usd is 5,000.00 on 2020-01-31 in the hand run.
    assert '<td>hedged book</td><td class="num">5,000.00</td>' in greeks


def test_run_page_lists_every_book_metric_including_unknown_ones(hand) -> None:
    html = hand.get("/run", params={"run": "hand"}).text
    assert "<code>max_drawdown.max_drawdown_pct</code>" in html and "-10.0000" in html
    assert "<code>cagr_pct</code>" in html and "n/a" in html


def test_hedge_differences_on_the_runs_page(hand) -> None:
    row = hand.get("/api/runs").json()[0]
    # The hand summary: hedged max drawdown -10, unhedged has none; CAGR 12.5 vs "n/a".
    assert row["diff_cagr_pct"] is None and row["diff_max_drawdown_pct"] is None


def test_an_unreadable_summary_is_listed_with_the_reason_and_the_rest_still_shows(
    hand_root: Path,
) -> None:
    bad = hand_root / "broken"
    bad.mkdir()
    (bad / "summary.json").write_text('{"run_id": "x", ')  # cut short
    client = TestClient(create_app([hand_root]))
    rows = {r["key"]: r for r in client.get("/api/runs").json()}
    assert rows["hand"]["error"] is None
    assert "broken" in rows and "not readable as JSON" in rows["broken"]["error"]
    html = client.get("/").text
    assert "unreadable summary.json" in html and 'data-key="hand"' in html
    r = client.get("/run", params={"run": "broken"})
    assert r.status_code == 422 and "summary.json" in r.json()["detail"]


PLOTLY_SHA256 = "7c593b9eda0e74a1d07335cf89cbf7a55ffc114909980c3729af835453bdb02a"


def test_plotly_falls_back_to_the_full_bundle_when_the_partial_is_missing(
    hand_root, monkeypatch
) -> None:
    from fastapi.testclient import TestClient

    from alvh.web import assets

    monkeypatch.setattr(assets, "PLOTLY_PARTIAL", hand_root / "no-such-bundle.js")
    assets.plotly_bundle.cache_clear()
    try:
        js = TestClient(create_app([hand_root])).get("/static/plotly.min.js")
        assert js.headers["x-alvh-plotly-bundle"] == "full"
        assert len(js.content) > 3_000_000  # the plotly package's full bundle
    finally:
        assets.plotly_bundle.cache_clear()


def test_day_page_shows_the_orders_decided_at_that_close_from_orders_csv(bt, backtest_root) -> None:
    run = backtest_root / "ladder" / "jan-feb"
    orders = pd.read_csv(run / "orders.csv")
    day = orders.loc[orders["kind"] == "hedge", "date"].min()  # a day the hedge ordered
    html = bt.get("/day", params={"run": "ladder/jan-feb", "date": day}).text
    decided = html.split("Orders decided at this close")[1].split("Their fills")[0]
    rows = orders[orders["date"] == day]
    assert decided.count("<tr><td>") == len(rows) > 0
    for o in rows.itertuples():
        assert o.contract in decided and o.rule in decided
        if pd.notna(o.limit_price):
            assert f"{o.limit_price:,.4f}" in decided  # the limit at this close, as written
    assert 'href="/download?run=ladder/jan-feb&amp;file=orders.csv"' in decided
    got = bt.get("/download", params={"run": "ladder/jan-feb", "file": "orders.csv"})
    assert got.status_code == 200 and got.content == (run / "orders.csv").read_bytes()
    assert got.headers["content-type"].startswith("text/csv")
    assert 'filename="ladder_jan-feb_orders.csv"' in got.headers["content-disposition"]
    for bad in ("journal.sqlite", "summary.json", "../orders.csv", "config.toml"):
        r = bt.get("/download", params={"run": "ladder/jan-feb", "file": bad})
        assert r.status_code == 404


def test_day_page_marks_limits_priced_on_an_imported_chain(backtest_root, tmp_path) -> None:
    """orders.csv's ``price_source``: a limit priced on the day's chain quotes says so."""
    import shutil

    root = tmp_path / "runs"
    shutil.copytree(backtest_root / "ladder" / "jan-feb", root / "ladder" / "chain")
    path = root / "ladder" / "chain" / "orders.csv"
    orders = pd.read_csv(path)
    day = orders.loc[orders["kind"] == "condor_entry", "date"].min()
    on_chain = (orders["date"] == day) & (orders["kind"] == "condor_entry")
    orders.loc[on_chain, "price_source"] = "chain"
    orders.loc[on_chain, "quote_mid"] = orders.loc[on_chain, "model_price"] + 0.1
    orders.to_csv(path, index=False)
    html = TestClient(create_app([root])).get("/day", params={"run": "ladder/chain", "date": day})
    decided = html.text.split("Orders decided at this close")[1].split("Their fills")[0]
    assert decided.count("(chain)") == int(on_chain.sum()) > 0
    other = orders.loc[orders["date"] != day, "date"].iloc[0]
    html = TestClient(create_app([root])).get("/day", params={"run": "ladder/chain", "date": other})
    assert "(chain)" not in html.text


def test_acted_filters_use_the_partial_index_and_match_a_plain_filter(
    bt, backtest_root, tmp_path
) -> None:
    from alvh.web import journal_db

    db = backtest_root / "ladder" / "jan-feb" / "journal.sqlite"
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        names = {n for (n,) in con.execute("SELECT name FROM sqlite_master")}
        rows = con.execute(
            "SELECT date, seq, rule, action FROM decisions ORDER BY date, seq"
        ).fetchall()
        plan = " ".join(
            str(r[-1])
            for r in con.execute(
                "EXPLAIN QUERY PLAN SELECT date FROM decisions WHERE run_id = 'x' AND "
                "+rule >= 'hedge.' AND +rule < 'hedge/' AND action != 'none' ORDER BY date, seq"
            )
        )
    assert "decisions_acted" in names and "decisions_acted" in plan
    # A journal written before the index: the same answers.
    old = tmp_path / "old.sqlite"
    with sqlite3.connect(db) as src, sqlite3.connect(old) as dst:
        src.backup(dst)
        dst.execute("DROP INDEX decisions_acted")
    for prefix in (None, "hedge.", "hedge.decision.", "tier.", "zzz"):
        want = [
            (d, s)
            for d, s, r, a in rows
            if a != "none" and (prefix is None or r.startswith(prefix))
        ]
        for path in (db, old):
            first = journal_db.decisions(path, None, prefix, True, 0, 500)
            assert first.total == len(want)
            assert [(r["date"], r["seq"]) for r in first.rows] == want[:500]
            if len(want) > 3:
                tail = journal_db.decisions(path, None, prefix, True, len(want) - 3, 3)
                assert [(r["date"], r["seq"]) for r in tail.rows] == want[-3:]
