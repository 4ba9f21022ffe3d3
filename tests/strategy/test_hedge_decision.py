"""Decision tree branches, layer order, 4/4/2 tranche timing, de-escalation, monetise, roll."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from hedge_fixtures import DAY0, config, inputs
from hypothesis import given, settings
from hypothesis import strategies as st

from alvh.config.hedge import HedgeConfig
from alvh.strategy.hedge.decision import HedgeStep, step
from alvh.strategy.hedge.results import HedgeDecision, RuleResult
from alvh.strategy.hedge.state import HedgeInputs, HedgeState, first_expiry_ordinal

FAST = {"deescalation": {"cooldown_sessions": 0, "clear_sessions": 2}}
NEAR_PUT = 3860.0  # z = 140 / 229.35 = 0.61 <= 0.65: price trigger


START = HedgeStep(HedgeState(), (), [], [])


def go(
    prev: HedgeStep, x: HedgeInputs, cfg: HedgeConfig
) -> tuple[HedgeStep, list[HedgeDecision], list[RuleResult]]:
    """One session after ``prev`` whose orders all filled: the book holds the layers it decided
    on (``x.layers``) and the rule keeps only its plan."""
    out = step(prev.plan, replace(x, layers=prev.layers), cfg)
    return out, out.decisions, out.results


def active(out: HedgeStep) -> tuple[int, ...]:
    return tuple(h.layer for h in out.layers)


def _fomc(session: int) -> tuple:
    return ((DAY0 + timedelta(days=session + 1), "FOMC"),)


def test_regime_shift_adds_layer_without_price_trigger() -> None:
    cfg = config("alvh-123")
    s, dec, res = go(START, inputs(0, 23.6, 20.0, events=_fomc(0)), cfg)
    assert [d.action for d in dec] == ["add_layer"] and dec[0].layer == 1
    assert "regime shift" in dec[0].reason and "FOMC" in dec[0].reason
    by = {r.rule: r for r in res}
    assert not by["proximity"].fired and by["iv_shift"].fired and by["macro"].fired
    assert active(s) == (1,)
    # Inversion instead of a macro event is a regime shift too.
    _, dec2, _ = go(START, inputs(0, 23.6, 20.0, vx1=25.0, vx2=23.0), cfg)
    assert dec2[0].action == "add_layer" and "backwardation" in dec2[0].reason


def test_iv_shift_alone_is_not_enough() -> None:
    _, dec, _ = go(START, inputs(0, 23.6, 20.0), config("alvh-123"))
    assert dec[0].action == "hold"
    assert "no regime shift or price trigger" in dec[0].reason


def test_stable_iv_neutral_rsi_adds_nothing_and_says_why() -> None:
    s, dec, _ = go(START, inputs(0, 20.4, 20.0), config("alvh-123"))
    assert [d.action for d in dec] == ["hold"]
    assert "IV stable and RSI neutral (no over-hedging)" in dec[0].reason
    # Alternating VIX: Wilder RSI after a down day tends to (1 - 1/14) / (2 - 1/14) = 48.1.
    assert "+2.0%" in dec[0].reason and "RSI(14) VIX 47.5 neutral" in dec[0].reason
    assert active(s) == ()


def test_price_trigger_adds_layer() -> None:
    _, dec, _ = go(START, inputs(0, short_put=NEAR_PUT), config("alvh-123"))
    assert dec[0].action == "add_layer" and "price trigger" in dec[0].reason
    assert "0.61 SD from the put short strike 3860" in dec[0].reason


def test_layers_added_1_2_3_and_removed_3_2_1() -> None:
    cfg = config("alvh-123", **FAST)
    s = START
    added, removed = [], []
    for k in range(4):  # trigger every day: 1, 2, 3, then hold (all active)
        s, dec, _ = go(s, inputs(k, short_put=NEAR_PUT), cfg)
        added += [d.layer for d in dec if d.action == "add_layer"]
    assert added == [1, 2, 3] and "all layers active" in dec[0].reason
    for k in range(4, 10):  # quiet: every 2 clear sessions the top layer comes off
        s, dec, _ = go(s, inputs(k), cfg)
        removed += [d.layer for d in dec if d.action == "remove_layer"]
    assert removed == [3, 2, 1] and active(s) == ()


def test_cooldown_spaces_layers() -> None:
    cfg = config("alvh-123")  # cooldown 4
    s, _, _ = go(START, inputs(0, short_put=NEAR_PUT), cfg)
    s, dec, _ = go(s, inputs(1, short_put=NEAR_PUT), cfg)
    assert dec[0].action == "hold" and "cooldown 4" in dec[0].reason
    s, dec, _ = go(s, inputs(4, short_put=NEAR_PUT), cfg)
    assert dec[0].action == "add_layer" and dec[0].layer == 2


def test_442_tranche_2_only_if_trigger_still_holds() -> None:
    cfg = config("alvh-442")
    s, dec, _ = go(START, inputs(0, short_put=NEAR_PUT), cfg)
    assert "tranche 1 of 3 (4:4:2)" in dec[0].reason
    assert [(p.slice.tranche, p.due_session) for p in s.plan.pending] == [(2, 4), (3, 8)]
    for k in (1, 2, 3):  # trigger holds but tranche 2 is not due; layer 2 waits
        s, dec, _ = go(s, inputs(k, short_put=NEAR_PUT), cfg)
        assert all(d.action == "hold" for d in dec)
    s, dec, _ = go(s, inputs(4, short_put=NEAR_PUT), cfg)
    t2 = [d for d in dec if d.action == "add_layer"]
    assert len(t2) == 1 and t2[0].allocations[0].tranche == 2 and "still holds" in t2[0].reason
    s, dec, _ = go(s, inputs(8, short_put=NEAR_PUT), cfg)
    t3 = next(d for d in dec if d.action == "add_layer" and d.layer == 1)
    # Tranche 3 longer-dated: preferred VX2 (contango, 50d) + 14 days -> VX3 at 80 days.
    assert {a.symbol for a in t3.allocations} <= {"VX3", "VXM3"}
    assert s.layers[0].allocations[-1].tranche == 3

    # Same start, trigger gone on session 4: tranches 2 and 3 are cancelled.
    s2, _, _ = go(START, inputs(0, short_put=NEAR_PUT), cfg)
    s2, dec, _ = go(s2, inputs(4), cfg)
    assert dec[0].action == "hold" and "tranche(s) 2, 3 cancelled" in dec[0].reason
    assert s2.plan.pending == () and active(s2) == (1,)


def test_deescalation_after_n_clear_sessions() -> None:
    cfg = config("alvh-123", deescalation={"clear_sessions": 3})
    s, _, _ = go(START, inputs(0, short_put=NEAR_PUT), cfg)
    for k in (1, 2):
        s, dec, _ = go(s, inputs(k), cfg)
        assert dec[0].action == "hold" and s.plan.clear_sessions == k
    s, dec, _ = go(s, inputs(3), cfg)
    assert dec[0].action == "remove_layer" and "3 consecutive clear sessions >= 3" in dec[0].reason
    assert dec[0].closes == ("VX2", "VXM2") and active(s) == ()


def test_monetise_at_target() -> None:
    cfg = config("alvh-123")
    s, dec, _ = go(START, inputs(0, short_put=NEAR_PUT), cfg)
    # 833.3 / (0.4 x 1000) = 2.08 -> 2 VX2 + 1 VXM2 at 21: 42,000 + 2,100 = 44,100
    cost = s.layers[0].cost_usd
    assert cost == 44_100.0
    _, dec, _ = go(s, inputs(1, short_put=NEAR_PUT, gains={1: 0.49 * cost}), cfg)
    assert all(d.action != "monetise" for d in dec)
    s2, dec, _ = go(s, inputs(1, short_put=NEAR_PUT, gains={1: 0.5 * cost}), cfg)
    assert dec[0].action == "monetise" and ">= target 50%" in dec[0].reason
    assert active(s2) == ()


def test_roll_near_expiry() -> None:
    cfg = config("alvh-123")
    s, dec, _ = go(START, inputs(0, short_put=NEAR_PUT, vx1=21.0, vx2=20.0), cfg)
    assert {a.symbol for a in dec[0].allocations} == {"VX1", "VXM1"}  # inverted: front (20 days)
    # Session 16: VX1 expires in 4 days (<= 5): rolled to the next cycle.
    s, dec, _ = go(s, inputs(16), cfg)
    rolls = [d for d in dec if d.action == "roll"]
    assert {d.closes[0] for d in rolls} == {"VX1", "VXM1"}
    assert "time-shift" in rolls[0].reason
    assert all(a.expiry_ordinal - (DAY0.toordinal() + 16) > 5 for a in s.layers[0].allocations)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.sampled_from(["quiet", "price", "regime", "spike"]), min_size=1, max_size=25))
def test_layers_never_skip_order(days: list[str]) -> None:
    cfg = config("alvh-442", deescalation={"clear_sessions": 2, "cooldown_sessions": 1})
    s = START
    for k, kind in enumerate(days):
        x = {
            "quiet": inputs(k),
            "price": inputs(k, short_put=NEAR_PUT),
            "regime": inputs(k, 24.0, 20.0, events=_fomc(k)),
            "spike": inputs(k, gains={1: 1e9, 2: 1e9, 3: 1e9}),
        }[kind]
        s, dec, res = go(s, x, cfg)
        assert active(s) == (1, 2, 3)[: len(active(s))]
        assert all(a.contracts > 0 for d in dec for a in d.allocations)
        assert dec and len(res) >= 8


def test_roll_still_found_after_quiet_sessions() -> None:
    # Quiet sessions only recount clear sessions; the roll check reads the earliest expiry of
    # the layers held each session.
    cfg = config("alvh-123", deescalation={"clear_sessions": 100})
    s, _, _ = go(START, inputs(0, short_put=NEAR_PUT, vx1=21.0, vx2=20.0), cfg)
    first = min(a.expiry_ordinal for a in s.layers[0].allocations)
    for k in range(1, 15):  # VX1 expires at session 20: 6 days away at session 14
        s, dec, _ = go(s, inputs(k), cfg)
        assert [d.action for d in dec] == ["hold"] and s.plan.clear_sessions == k
        assert first_expiry_ordinal(s.layers) == first
    s, dec, _ = go(s, inputs(15), cfg)  # 5 days away: rolled
    assert {d.closes[0] for d in dec if d.action == "roll"} == {"VX1", "VXM1"}
    assert first_expiry_ordinal(s.layers) == min(a.expiry_ordinal for a in s.layers[0].allocations)
    assert first_expiry_ordinal(s.layers) > first


def test_a_tranche_of_a_layer_the_book_does_not_hold_is_dropped() -> None:
    # Layer 1's first tranche was decided on session 0 with tranches 2 and 3 pending; if its
    # buy did not fill, the book holds no layer on session 4 and the plan keeps no tranche of
    # it: with the trigger still on, layer 1 is added afresh (cool-down 4 sessions passed),
    # its tranches 2 and 3 due 4 and 8 sessions later.
    cfg = config("alvh-442")
    s, _, _ = go(START, inputs(0, short_put=NEAR_PUT), cfg)
    assert [(p.slice.tranche, p.due_session) for p in s.plan.pending] == [(2, 4), (3, 8)]
    missed = step(s.plan, inputs(4, short_put=NEAR_PUT), cfg)  # inputs(...).layers == ()
    assert [(p.slice.tranche, p.due_session) for p in missed.plan.pending] == [(2, 8), (3, 12)]
    assert [d.action for d in missed.decisions] == ["add_layer"]
    assert (
        "add layer 1" in missed.decisions[0].reason
        and "tranche 1 of 3" in missed.decisions[0].reason
    )
    quiet = step(s.plan, inputs(4), cfg)  # and with the trigger gone, no plan at all
    assert quiet.plan.pending == () and quiet.layers == ()
    filled, dec, _ = go(s, inputs(4, short_put=NEAR_PUT), cfg)  # held: tranche 2 is bought
    assert any(d.action == "add_layer" and "tranche 2" in d.reason for d in dec)
    assert [p.slice.tranche for p in filled.plan.pending] == [3]
