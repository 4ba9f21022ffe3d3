"""The VXTH rule on one session, by hand: orders with reasons, nothing priced or booked."""

from __future__ import annotations

from datetime import date

from alvh.strategy.hedge.vxth import VXTH_LAYER, HeldCall, NewCall, VxthOrder, vxth_roll

TODAY = date(2020, 3, 18)  # a VIX option expiry
NEXT = date(2020, 4, 15)
EXPIRING = HeldCall(2, "VIX 2020-03-18 C 25", 40.0, TODAY)  # settles today: the engine's
LEFT_OVER = HeldCall(2, "VIX 2020-04-15 C 30", 3.0, NEXT)  # still live: sold
# Front VX 22 is in the 15-30 band: weight 1%. 1% of 1,000,000 = 10,000 USD over an ask of
# 2.45 x 100 = 245 USD a call -> floor(40.8) = 40 calls.
CALL = NewCall("VIX 2020-04-15 C 27", 27.0, 2.40, 0.31, 2.45, 22.0)


def test_off_a_roll_day_nothing_is_ordered() -> None:
    step = vxth_roll(date(2020, 3, 17), False, TODAY, [EXPIRING], CALL, 1e6)
    assert step.orders == () and (step.outcome, step.action) == ("clear", "none")
    assert step.reason == "not a VIX option expiry (next 2020-03-18)"
    assert vxth_roll(TODAY, True, None, [], CALL, 1e6).reason.endswith("(none listed)")


def test_a_roll_sells_what_is_left_and_buys_the_weight_in_new_calls() -> None:
    step = vxth_roll(TODAY, True, NEXT, [EXPIRING, LEFT_OVER], CALL, 1e6)
    sell, buy = step.orders
    assert sell == VxthOrder(
        2,
        LEFT_OVER.contract_id,
        -3.0,
        f"VXTH roll {TODAY}: sell {LEFT_OVER.contract_id} before buying the new month",
    )
    assert buy[:3] == (VXTH_LAYER, CALL.contract_id, 40.0) and buy.reason == f"VXTH: {step.reason}"
    assert (step.outcome, step.action) == ("fired", "open")
    assert step.inputs["contracts"] == 40 and step.inputs["strike"] == 27.0


def test_no_call_priced_still_sells_and_says_why() -> None:
    step = vxth_roll(TODAY, True, NEXT, [LEFT_OVER], "no VVIX known", 1e6)
    assert [o.qty for o in step.orders] == [-3.0]
    assert (step.outcome, step.reason) == ("skipped", "no call: no VVIX known")
    # Front VX above the top band: weight 0, nothing bought, a clear line.
    calm = vxth_roll(TODAY, True, NEXT, [], CALL._replace(front_vx=60.0), 1e6)
    assert calm.orders == () and calm.outcome == "clear"
