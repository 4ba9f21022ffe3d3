"""Decision tree branches, layer order, 4/4/2 tranche timing, de-escalation, monetise, roll."""

from __future__ import annotations

from datetime import timedelta

from hedge_fixtures import DAY0, config, inputs
from hypothesis import given, settings
from hypothesis import strategies as st

from alvh.strategy.hedge.decision import step
from alvh.strategy.hedge.state import HedgeState

FAST = {"deescalation": {"cooldown_sessions": 0, "clear_sessions": 2}}
NEAR_PUT = 3860.0  # z = 140 / 229.35 = 0.61 <= 0.65: price trigger


def _fomc(session: int) -> tuple:
    return ((DAY0 + timedelta(days=session + 1), "FOMC"),)


def test_regime_shift_adds_layer_without_price_trigger() -> None:
    cfg = config("alvh-123")
    s, dec, res = step(HedgeState(), inputs(0, 23.6, 20.0, events=_fomc(0)), cfg)
    assert [d.action for d in dec] == ["add_layer"] and dec[0].layer == 1
    assert "regime shift" in dec[0].reason and "FOMC" in dec[0].reason
    by = {r.rule: r for r in res}
    assert not by["proximity"].fired and by["iv_shift"].fired and by["macro"].fired
    assert s.active_layers == (1,)
    # Inversion instead of a macro event is a regime shift too.
    _, dec2, _ = step(HedgeState(), inputs(0, 23.6, 20.0, vx1=25.0, vx2=23.0), cfg)
    assert dec2[0].action == "add_layer" and "backwardation" in dec2[0].reason


def test_iv_shift_alone_is_not_enough() -> None:
    _, dec, _ = step(HedgeState(), inputs(0, 23.6, 20.0), config("alvh-123"))
    assert dec[0].action == "hold"
    assert "no regime shift or price trigger" in dec[0].reason


def test_stable_iv_neutral_rsi_adds_nothing_and_says_why() -> None:
    s, dec, _ = step(HedgeState(), inputs(0, 20.4, 20.0), config("alvh-123"))
    assert [d.action for d in dec] == ["hold"]
    assert "IV stable and RSI neutral (no over-hedging)" in dec[0].reason
    # Alternating VIX: Wilder RSI after a down day tends to (1 - 1/14) / (2 - 1/14) = 48.1.
    assert "+2.0%" in dec[0].reason and "RSI(14) VIX 47.5 neutral" in dec[0].reason
    assert s.active_layers == ()


def test_price_trigger_adds_layer() -> None:
    _, dec, _ = step(HedgeState(), inputs(0, short_put=NEAR_PUT), config("alvh-123"))
    assert dec[0].action == "add_layer" and "price trigger" in dec[0].reason
    assert "0.61 SD from the put short strike 3860" in dec[0].reason


def test_layers_added_1_2_3_and_removed_3_2_1() -> None:
    cfg = config("alvh-123", **FAST)
    s = HedgeState()
    added, removed = [], []
    for k in range(4):  # trigger every day: 1, 2, 3, then hold (all active)
        s, dec, _ = step(s, inputs(k, short_put=NEAR_PUT), cfg)
        added += [d.layer for d in dec if d.action == "add_layer"]
    assert added == [1, 2, 3] and "all layers active" in dec[0].reason
    for k in range(4, 10):  # quiet: every 2 clear sessions the top layer comes off
        s, dec, _ = step(s, inputs(k), cfg)
        removed += [d.layer for d in dec if d.action == "remove_layer"]
    assert removed == [3, 2, 1] and s.active_layers == ()


def test_cooldown_spaces_layers() -> None:
    cfg = config("alvh-123")  # cooldown 4
    s, _, _ = step(HedgeState(), inputs(0, short_put=NEAR_PUT), cfg)
    s, dec, _ = step(s, inputs(1, short_put=NEAR_PUT), cfg)
    assert dec[0].action == "hold" and "cooldown 4" in dec[0].reason
    s, dec, _ = step(s, inputs(4, short_put=NEAR_PUT), cfg)
    assert dec[0].action == "add_layer" and dec[0].layer == 2


def test_442_tranche_2_only_if_trigger_still_holds() -> None:
    cfg = config("alvh-442")
    s, dec, _ = step(HedgeState(), inputs(0, short_put=NEAR_PUT), cfg)
    assert "tranche 1 of 3 (4:4:2)" in dec[0].reason
    assert [(p.slice.tranche, p.due_session) for p in s.pending] == [(2, 4), (3, 8)]
    for k in (1, 2, 3):  # trigger holds but tranche 2 is not due; layer 2 waits
        s, dec, _ = step(s, inputs(k, short_put=NEAR_PUT), cfg)
        assert all(d.action == "hold" for d in dec)
    s, dec, _ = step(s, inputs(4, short_put=NEAR_PUT), cfg)
    t2 = [d for d in dec if d.action == "add_layer"]
    assert len(t2) == 1 and t2[0].allocations[0].tranche == 2 and "still holds" in t2[0].reason
    s, dec, _ = step(s, inputs(8, short_put=NEAR_PUT), cfg)
    t3 = next(d for d in dec if d.action == "add_layer" and d.layer == 1)
    # Tranche 3 longer-dated: preferred VX2 (contango, 50d) + 14 days -> VX3 at 80 days.
    assert {a.symbol for a in t3.allocations} <= {"VX3", "VXM3"}
    assert s.layers[0].allocations[-1].tranche == 3

    # Same start, trigger gone on session 4: tranches 2 and 3 are cancelled.
    s2, _, _ = step(HedgeState(), inputs(0, short_put=NEAR_PUT), cfg)
    s2, dec, _ = step(s2, inputs(4), cfg)
    assert dec[0].action == "hold" and "tranche(s) 2, 3 cancelled" in dec[0].reason
    assert s2.pending == () and s2.active_layers == (1,)


def test_deescalation_after_n_clear_sessions() -> None:
    cfg = config("alvh-123", deescalation={"clear_sessions": 3})
    s, _, _ = step(HedgeState(), inputs(0, short_put=NEAR_PUT), cfg)
    for k in (1, 2):
        s, dec, _ = step(s, inputs(k), cfg)
        assert dec[0].action == "hold" and s.clear_sessions == k
    s, dec, _ = step(s, inputs(3), cfg)
    assert dec[0].action == "remove_layer" and "3 consecutive clear sessions >= 3" in dec[0].reason
    assert dec[0].closes == ("VX2", "VXM2") and s.active_layers == ()


def test_monetise_at_target() -> None:
    cfg = config("alvh-123")
    s, dec, _ = step(HedgeState(), inputs(0, short_put=NEAR_PUT), cfg)
    # 833.3 / (0.4 x 1000) = 2.08 -> 2 VX2 + 1 VXM2 at 21: 42,000 + 2,100 = 44,100
    cost = s.layers[0].cost_usd
    assert cost == 44_100.0
    _, dec, _ = step(s, inputs(1, short_put=NEAR_PUT, gains={1: 0.49 * cost}), cfg)
    assert all(d.action != "monetise" for d in dec)
    s2, dec, _ = step(s, inputs(1, short_put=NEAR_PUT, gains={1: 0.5 * cost}), cfg)
    assert dec[0].action == "monetise" and ">= target 50%" in dec[0].reason
    assert s2.active_layers == ()


def test_roll_near_expiry() -> None:
    cfg = config("alvh-123")
    s, dec, _ = step(HedgeState(), inputs(0, short_put=NEAR_PUT, vx1=21.0, vx2=20.0), cfg)
    assert {a.symbol for a in dec[0].allocations} == {"VX1", "VXM1"}  # inverted: front (20 days)
    # Session 16: VX1 expires in 4 days (<= 5): rolled to the next cycle.
    s, dec, _ = step(s, inputs(16), cfg)
    rolls = [d for d in dec if d.action == "roll"]
    assert {d.closes[0] for d in rolls} == {"VX1", "VXM1"}
    assert "time-shift" in rolls[0].reason
    assert all(a.expiry_ordinal - (DAY0.toordinal() + 16) > 5 for a in s.layers[0].allocations)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.sampled_from(["quiet", "price", "regime", "spike"]), min_size=1, max_size=25))
def test_layers_never_skip_order(days: list[str]) -> None:
    cfg = config("alvh-442", deescalation={"clear_sessions": 2, "cooldown_sessions": 1})
    s = HedgeState()
    for k, kind in enumerate(days):
        x = {
            "quiet": inputs(k),
            "price": inputs(k, short_put=NEAR_PUT),
            "regime": inputs(k, 24.0, 20.0, events=_fomc(k)),
            "spike": inputs(k, gains={1: 1e9, 2: 1e9, 3: 1e9}),
        }[kind]
        s, dec, res = step(s, x, cfg)
        assert s.active_layers == (1, 2, 3)[: len(s.active_layers)]
        assert all(a.contracts > 0 for d in dec for a in d.allocations)
        assert dec and len(res) >= 8


def test_roll_still_found_after_quiet_sessions_carry_the_earliest_expiry() -> None:
    # Quiet sessions only recount clear sessions; the new states carry the earliest expiry the
    # roll check already computed, which must still be the layers' own.
    cfg = config("alvh-123", deescalation={"clear_sessions": 100})
    s, _, _ = step(HedgeState(), inputs(0, short_put=NEAR_PUT, vx1=21.0, vx2=20.0), cfg)
    first = min(a.expiry_ordinal for a in s.layers[0].allocations)
    for k in range(1, 15):  # VX1 expires at session 20: 6 days away at session 14
        s, dec, _ = step(s, inputs(k), cfg)
        assert [d.action for d in dec] == ["hold"] and s.clear_sessions == k
        assert s.first_expiry_ordinal == first
        fresh = HedgeState(s.layers, s.pending, s.clear_sessions, s.last_change_session)
        assert fresh.first_expiry_ordinal == first
    s, dec, _ = step(s, inputs(15), cfg)  # 5 days away: rolled
    assert {d.closes[0] for d in dec if d.action == "roll"} == {"VX1", "VXM1"}
    assert s.first_expiry_ordinal == min(a.expiry_ordinal for a in s.layers[0].allocations)
    assert s.first_expiry_ordinal > first


def test_with_clear_sessions_carries_only_a_computed_expiry() -> None:
    s = HedgeState(clear_sessions=3)
    t = s.with_clear_sessions(4)
    assert "first_expiry_ordinal" not in t.__dict__  # nothing computed: nothing carried
    assert s.first_expiry_ordinal is None and t.clear_sessions == 4
    u = s.with_clear_sessions(5)
    assert u.__dict__["first_expiry_ordinal"] is None and u == HedgeState(clear_sessions=5)
