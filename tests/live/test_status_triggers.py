"""Triggers close to firing (``alvh.live.triggers``): the journal's trigger inputs, a rule just
below and just above its threshold, the distance worked by hand, and ``alvh book status``.

The backtest comparison books the fills of a synthetic quarter with a stress episode (seed 3,
2008-08-05..2008-11-28, ic-ladder on SPX monthlies + alvh-442; signal_fixtures.py) as a book's
fills, tagged by tier and condor id, and checks on every session that the status's rules read
what the engine's rules read that day: the same inputs, the same verdicts.
"""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import write
from signal_fixtures import quarter_config

from alvh.book.contracts import parse_contract_id
from alvh.book.positions import Fill
from alvh.live.triggers import BookTriggers, book_triggers


@pytest.fixture(scope="module")
def quarter():  # type: ignore[no-untyped-def]
    from alvh.backtest import run
    from alvh.live.signal import load_for_signal

    cfg = quarter_config()
    market = load_for_signal(cfg, None, cfg.data.end)
    return cfg, market, run(cfg, market, order_prices=False)


def _book_fills(full) -> list[Fill]:  # type: ignore[no-untyped-def]
    """The run's fills as a book's: each condor leg tagged (tier, condor id), hedges (layer)."""
    cd = full.condors
    expiry = pd.to_datetime(cd["expiry"]).dt.date
    opened = pd.to_datetime(cd["open_date"]).dt.date
    strikes = cd[["long_put", "short_put", "short_call", "long_call"]].to_numpy()
    out = []
    for r in full.trades.itertuples():
        c = parse_contract_id(r.contract)
        d = pd.Timestamp(r.date).date()
        group = "h"
        if r.instrument == "spx_option":
            # The condor of that tier and expiry holding the strike, the latest opened by then
            # (a leg kept to expiry settles after its condor closed).
            m = (cd["tier"] == r.tier_or_layer) & (expiry == c.expiry) & (opened <= d)
            m &= (strikes == c.strike).any(axis=1)  # type: ignore[union-attr]
            group = str(cd.loc[m, "condor_id"].iloc[-1])
        qty = r.qty if r.side == "buy" else -r.qty
        out.append(
            Fill(
                d,
                c,
                float(qty),
                float(r.price),
                float(r.fees_usd),
                r.reason,
                r.tier_or_layer,
                group,
            )
        )
    return out


def _same(mine: object, theirs: object) -> bool:
    if isinstance(theirs, float) and isinstance(mine, int | float):
        return mine == pytest.approx(theirs, rel=1e-9, abs=1e-12) or (
            math.isnan(theirs) and math.isnan(mine)
        )
    return mine == theirs


def test_status_triggers_read_what_the_engine_read_on_every_session(quarter) -> None:  # type: ignore[no-untyped-def]
    cfg, market, full = quarter
    fills = _book_fills(full)
    journal = {d: list(es) for d, es in full.journal}
    checked_hedge = checked_exits = fired_hedge = fired_exits = 0
    clears: list[bool] = []
    for day in full.daily.index[1:]:
        t = book_triggers(cfg, market, day.date(), fills)
        entries = journal[day]
        by_rule = {e.rule: e for e in entries if e.rule.startswith("hedge.trigger.")}
        hedge = [r for r in t.rows if r.kind == "hedge"]
        assert {r.rule for r in hedge} == set(by_rule), day
        for r in hedge:
            e = by_rule[r.rule]
            assert set(r.inputs) == set(e.inputs), (day, r.rule)
            for k, v in e.inputs.items():
                assert _same(r.inputs[k], v), (day, r.rule, k, r.inputs[k], v)
            assert r.fired == (e.outcome == "fired"), (day, r.rule)
            checked_hedge += 1
            fired_hedge += r.fired
        exits = [e for e in entries if e.rule.startswith("tier.") and e.rule.endswith(".exit")]
        mine = {}
        for r in t.rows:
            if r.kind == "exit":
                mine.setdefault(str(r.inputs["condor"]), []).append(r)
        assert set(mine) == {str(e.inputs["condor"]) for e in exits}, day
        for e in exits:
            rows = mine[str(e.inputs["condor"])]
            for k in ("credit", "cost_to_close", "dte", "spx"):
                assert _same(rows[0].inputs[k], e.inputs[k]), (day, e.inputs, k)
            assert rows[0].rule == e.rule
            # The engine's check_exit fires when any rule does; here each rule is judged alone.
            assert any(r.fired for r in rows) == (e.outcome == "fired"), (day, e.inputs)
            checked_exits += 1
            fired_exits += e.outcome == "fired"
        # The clear count: today's verdict (no add condition, no IV shift) and the run of
        # clear sessions ending today, capped at the 5 the removal needs.
        iv_fired = next(r.fired for r in hedge if r.rule == "hedge.trigger.iv_shift")
        assert t.clear_today == (t.add_reason is None and not iv_fired), day
        clears.append(t.clear_today)
        run = len(clears) - max((k + 1 for k, c in enumerate(clears) if not c), default=0)
        if len(clears) >= 5 or run < len(clears):
            assert t.clear_streak == min(run, 5), day
        (row,) = [r for r in t.rows if r.kind == "de-escalation"]
        assert row.value == t.clear_streak and row.fired == (
            t.clear_streak >= 5 and bool(t.layers_held)
        )
        if any(e.rule == "hedge.decision.remove_layer" for e in entries):
            assert row.fired, day  # the engine removed a layer: 5 clear sessions here too
    # The quarter exercises the rules: triggers and exits fire on some sessions, not all.
    assert checked_hedge == 9 * (len(full.daily) - 1)
    assert 0 < fired_hedge < checked_hedge and 0 < fired_exits < checked_exits
    # Clear and not-clear sessions both occur (the stress kept a layer's removal away).
    assert 0 < sum(clears) < len(clears)


def _with_triggers(cfg, **over):  # type: ignore[no-untyped-def]
    h = cfg.hedge
    return cfg.model_copy(
        update={"hedge": h.model_copy(update={"triggers": h.triggers.model_copy(update=over)})}
    )


def _row(t: BookTriggers, rule: str, subject: str = ""):  # type: ignore[no-untyped-def]
    return next(r for r in t.rows if r.rule == rule and r.subject.startswith(subject))


def test_a_trigger_just_below_and_just_above_its_threshold(quarter) -> None:  # type: ignore[no-untyped-def]
    from alvh.market.surface import SpxVolSurface

    cfg, market, full = quarter
    fills = _book_fills(full)
    day = date(2008, 11, 26)  # condors in profit open; VIX up 12% over 2 sessions
    base = book_triggers(cfg, market, day, fills)
    prox = _row(base, "hedge.trigger.proximity")
    z = prox.value
    assert z is not None and math.isfinite(z)
    # The nearest short strike's z by hand: SD = S x ATM IV(expiry) x sqrt(days / 365).
    snap = market.snapshot(pd.Timestamp.combine(day, pd.Timestamp("16:15").time()))
    surf = SpxVolSurface.from_snapshot(snap)
    held = list(dict.fromkeys(r.subject for r in base.rows if r.kind == "exit"))
    subject = held[int(prox.inputs["condor"])]  # "tier #id SPX 2008-10-17 lp/sp/sc/lc"
    root, expiry = subject.split()[2], date.fromisoformat(subject.split()[3])
    level, spot = float(prox.inputs["level"]), surf.spot
    assert level in (float(k) for k in subject.split()[4].split("/"))
    t_years = surf.t_years(pd.Timestamp(expiry), am_settled=root == "SPX")
    sd = spot * float(surf.atm_vol(t_years)) * math.sqrt((expiry - day).days / 365.0)
    side = prox.inputs["side"]
    assert z == pytest.approx((spot - level) / sd if side == "put" else (level - spot) / sd)
    for eps, fires in ((1e-3, True), (-1e-3, False)):
        # z_limit just above z: fires, 0.001 SD past it; just below: not yet, 0.001 SD away.
        t = book_triggers(_with_triggers(cfg, proximity_z=z + eps), market, day, fills)
        r = _row(t, "hedge.trigger.proximity")
        assert r.fired is fires and r.distance == pytest.approx(-eps, abs=1e-12)
        assert r.distance_frac == pytest.approx(-eps / (z + eps))
        assert f"SPX {-eps * sd:+.1f} pts from firing" in r.detail
        assert ("price trigger" in (t.add_reason or "")) is fires or base.add_reason is not None
    ivs = _row(base, "hedge.trigger.iv_shift")
    change = ivs.value
    assert change is not None and change > 0
    iv_now, iv_before = ivs.inputs["iv_now"], ivs.inputs["iv_before"]
    assert change == pytest.approx(iv_now / iv_before - 1.0)  # type: ignore[operator]
    for eps, fires in ((-1e-4, True), (1e-4, False)):
        t = book_triggers(_with_triggers(cfg, iv_shift_threshold=change + eps), market, day, fills)
        r = _row(t, "hedge.trigger.iv_shift")
        assert r.fired is fires and r.distance == pytest.approx(eps, abs=1e-12)
        need = iv_before * (1 + change + eps)  # type: ignore[operator]
        assert f"fires at VIX >= {need:.2f}" in r.detail
    d = _row(base, "hedge.trigger.book_delta").value
    assert d is not None
    for eps, fires in ((-1e-4, True), (1e-4, False)):
        t = book_triggers(_with_triggers(cfg, delta_limit=abs(d) + eps), market, day, fills)
        r = _row(t, "hedge.trigger.book_delta")
        assert r.fired is fires and r.distance == pytest.approx(eps, abs=1e-12)


def test_a_condor_exit_just_below_and_just_above_its_profit_target(quarter) -> None:  # type: ignore[no-untyped-def]
    cfg, market, full = quarter
    fills = _book_fills(full)
    day = date(2008, 11, 26)
    base = book_triggers(cfg, market, day, fills)
    pt = next(r for r in base.rows if r.kind == "exit" and "credit x" in r.test)
    credit, cost = float(pt.inputs["credit"]), float(pt.inputs["cost_to_close"])
    tier = pt.rule.split(".")[1]
    # The target's percentage at which the cost to close equals the target cost, +-0.01 pp.
    pct = (1.0 - cost / credit) * 100.0
    assert 0 < pct < 100, "pick a condor in profit"
    for eps, fires in ((-0.01, True), (0.01, False)):
        tiers = [
            t.model_copy(
                update={
                    "exits": t.exits.model_copy(update={"profit_target_pct_of_credit": pct + eps})
                }
            )
            if t.name == tier
            else t
            for t in cfg.tiers
        ]
        c2 = cfg.model_copy(update={"tiers": type(cfg.tiers)(tiers)})
        t = book_triggers(c2, market, day, fills)
        r = next(x for x in t.rows if x.subject == pt.subject and "credit x" in x.test)
        # Distance = cost to close - credit x (1 - pct): eps/100 x credit, in points a condor.
        assert r.fired is fires and r.distance == pytest.approx(eps / 100 * credit, abs=1e-9)
        assert r.distance_frac == pytest.approx(eps / 100, abs=1e-9)
        assert r.reason.startswith("profit_target" if fires else "hold")
    touch = next(r for r in base.rows if r.subject == pt.subject and "short strike" in r.test)
    sp, sc = (float(x) for x in pt.subject.split()[-1].split("/")[1:3])
    spot = float(pt.inputs["spx"])
    assert touch.distance == pytest.approx(min(spot - sp, sc - spot))


def test_status_triggers_without_an_alvh_hedge_show_only_the_exits() -> None:
    from alvh.config.load import config_from_dict
    from alvh.market.synthetic import generate_market

    market = generate_market("2019-01-02", "2019-03-29", seed=7)
    cfg = config_from_dict({"name": "x"})
    t = book_triggers(cfg, market, date(2019, 2, 15), [])
    assert t.rows == () and t.hedge_rule == "none" and "no ALVH triggers" in t.note


CONFIG_442 = (
    'name = "live-442"\n\n[capital]\ninitial_usd = 250000.0\n\n[hedge]\npreset = "alvh-442"\n'
)


def test_book_status_prints_and_returns_the_triggers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from alvh.cli.app import main
    from alvh.market.load import load_market

    monkeypatch.setenv("ALVH_BOOKS", str(tmp_path / "books"))
    (tmp_path / "store").mkdir()
    monkeypatch.setenv("ALVH_STORE", str(tmp_path / "store"))  # empty: synthetic market
    spot = (
        load_market(tmp_path / "store", source="synthetic")
        .snapshot(pd.Timestamp("2026-09-01 16:15"))
        .close("SPX")
    )
    atm = 5 * round(spot / 5)
    lp, sp, sc, lc = atm - 300, atm - 250, atm + 250, atm + 300
    # One 50-wide condor of 2026-11-20 (credit 1.60 + 1.40 - 1.10 - 0.70 = 1.20) and a put spread
    # that is not a condor.
    pos = "symbol,quantity,avg_price,opened,tier,group\n" + "".join(
        f"SPXW  261120{r}{k * 1000:08d},{q},{p},2026-09-01,medium,{g}\n"
        for r, k, q, p, g in (
            ("P", lp, 2, 1.10, "c1"),
            ("P", sp, -2, 1.60, "c1"),
            ("C", sc, -2, 1.40, "c1"),
            ("C", lc, 2, 0.70, "c1"),
            ("P", sp, -1, 1.60, "c2"),
            ("P", lp, 1, 1.10, "c2"),
        )
    )
    write(tmp_path, "cfg.toml", CONFIG_442)
    write(tmp_path, "pos.csv", pos)
    assert main(["book", "init", "b", "--config", str(tmp_path / "cfg.toml")]) == 0
    assert main(["book", "import", "b", str(tmp_path / "pos.csv")]) == 0
    capsys.readouterr()
    assert main(["book", "status", "b", "--date", "2026-09-15", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    t = out["triggers"]
    rules = [r["rule"] for r in t["rows"]]
    assert "hedge.trigger.proximity" in rules and "hedge.decision.remove_layer" in rules
    exits = [r for r in t["rows"] if r["kind"] == "exit"]
    assert exits and {r["subject"].split()[1] for r in exits} == {"#c1"}
    assert exits[0]["inputs"]["credit"] == pytest.approx(1.20)
    assert t["unrecognised"] == ["medium #c2: 2 legs, not one iron condor"]
    prox = next(r for r in t["rows"] if r["rule"] == "hedge.trigger.proximity")
    assert prox["inputs"]["level"] in (sp, sc) and prox["threshold"] == 0.65
    assert np.isclose(prox["distance"], prox["value"] - 0.65)
    assert main(["book", "status", "b", "--date", "2026-09-15"]) == 0
    text = capsys.readouterr().out
    assert "triggers on 2026-09-15" in text and "clear sessions:" in text
    assert "not a condor the rules read: medium #c2" in text


@pytest.mark.realdata
def test_triggers_on_the_covid_crash_read_the_real_settlements(
    hedge_inputs_store: Path,
    shared_data: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import gzip

    from alvh.cli.app import main

    # A 3000/3050 - 3500/3550 condor of 2020-04-17 opened 2020-02-20 (SPX 3373), looked at on
    # 2020-03-16 (SPX 2386, VIX 82.7) by a book with the alvh-442 hedge.
    fills = "date,symbol,quantity,price,fees_usd,tier,group\n" + "".join(
        f"2020-02-20,SPXW  200417{k},{q},{p},2.50,medium,c1\n"
        for k, q, p in (
            ("P03000000", 2, 4.20),
            ("P03050000", -2, 5.30),
            ("C03500000", -2, 3.10),
            ("C03550000", 2, 1.60),
        )
    )
    monkeypatch.setenv("ALVH_STORE", str(hedge_inputs_store))
    monkeypatch.setenv("ALVH_BOOKS", str(tmp_path / "books"))
    write(tmp_path, "cfg.toml", CONFIG_442)
    assert main(["book", "init", "crash", "--config", str(tmp_path / "cfg.toml")]) == 0
    assert main(["book", "fills", "crash", str(write(tmp_path, "f.csv", fills))]) == 0
    capsys.readouterr()
    assert main(["book", "status", "crash", "--date", "2020-03-16", "--json"]) == 0
    t = json.loads(capsys.readouterr().out)["triggers"]
    rows = {r["rule"]: r for r in t["rows"] if r["kind"] == "hedge"}

    def raw(path: str, day: str, col: int, key: str | None = None) -> float:
        opener = gzip.open if path.endswith(".gz") else open
        with opener(shared_data / path, "rt") as f:  # type: ignore[operator]
            for line in f:
                p = line.strip().split(",")
                if p[0] == day and (key is None or p[1] == key):
                    return float(p[col])
        raise AssertionError((path, day, key))

    # Term structure: VX1 and VX2 are the CFE settlements of VXH20 and VXJ20 that day
    # (the raw panel), inverted: the rule fires, VX1 - VX2 past the 0.10 tolerance.
    ts = rows["hedge.trigger.term_structure"]
    vx1 = raw("vx_settle_panel_2004_2026.csv.gz", "2020-03-16", 5, "VXH20")
    vx2 = raw("vx_settle_panel_2004_2026.csv.gz", "2020-03-16", 5, "VXJ20")
    assert ts["inputs"]["vx1"] == vx1 and ts["inputs"]["vx2"] == vx2 and vx1 > vx2
    assert ts["fired"] and ts["distance"] == pytest.approx(0.10 - (vx1 - vx2))
    # Proximity: SPX through the short put: min z < 0, fired, on the put side at 3050.
    prox = rows["hedge.trigger.proximity"]
    assert prox["fired"] and prox["value"] < 0 and prox["inputs"]["level"] == 3050.0
    # The condor's touch distance in SPX points from the day's close (the raw index file).
    spx = raw("spx_daily_1927_2026.csv", "2020-03-16", 4)
    touch = next(r for r in t["rows"] if r["kind"] == "exit" and "short strike" in r["test"])
    assert touch["value"] == pytest.approx(spx) and touch["distance"] == pytest.approx(spx - 3050)
    # The decision tree would add a layer: a regime shift or a price trigger.
    assert (t["add_reason"] or "").startswith(("regime shift", "price trigger"))
