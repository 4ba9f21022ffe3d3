"""Account: cash flows, equity = cash + marks, margin by hand, settlement, greeks, interest."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from alvh.book.account import Account
from alvh.book.condor import IronCondor
from alvh.book.contracts import EtfShare, VixFuture, VixOption
from alvh.book.legs import SPX_OPTION, VIX_OPTION, VX_FUTURE
from alvh.book.margin import condor_margin_usd
from alvh.book.positions import Fill, fold

D0, D1 = date(2024, 2, 15), date(2024, 2, 16)
EXP = date(2024, 3, 15)
VX = VixFuture("VXH24", date(2024, 3, 20))
MARGINS = {"vx_future": 10_000.0, "vxm_future": 1_000.0}


def _open_condor(
    acct: Account, qty: float = 2, tier: str = "short", group: str = "c1"
) -> IronCondor:
    """Sell a 4400/4450/4700/4750 condor at leg prices 1.00 / 2.50 / 2.00 / 0.80 (credit 2.70)."""
    from alvh.book.positions import Fill

    ic = IronCondor.from_strikes(EXP, (4400, 4450, 4700, 4750), qty)
    for leg, price in zip(ic.legs, (1.00, 2.50, 2.00, 0.80), strict=True):
        acct.apply_fill(Fill(D0, leg.contract, leg.qty, price, 1.25 * qty, "entry", tier, group))
    return ic


def test_condor_cash_margin_and_equity_by_hand() -> None:
    acct = Account(100_000.0, MARGINS)
    ic = _open_condor(acct)
    # credit = (2.50 + 2.00 - 1.00 - 0.80) x 100 x 2 = 540; fees 4 fills x 2.50 = 10
    assert acct.cash_usd == pytest.approx(100_000 + 540 - 10)
    # marked at the fill prices the book is worth cash - credit: equity = initial - fees
    assert acct.equity_usd == pytest.approx(100_000 - 10)
    # margin = max(50, 50) x 100 x 2 - 540 = 9460, same as the condor's max loss
    assert acct.margin_usd() == pytest.approx(9460.0)
    assert condor_margin_usd(ic, 2.70) == pytest.approx(9460.0)
    # new marks: long put 0.40, short put 1.10, short call 3.60, long call 1.50
    ids = [lg.contract.id for lg in ic.legs]
    acct.set_marks_by_id(dict(zip(ids, (0.40, 1.10, 3.60, 1.50), strict=True)))
    # legs value = (0.40 - 1.10 - 3.60 + 1.50) x 100 x 2 = -560
    assert acct.market_value_usd == pytest.approx(-560.0)
    assert acct.equity_usd == pytest.approx(acct.cash_usd - 560.0)
    ((mv, cost),) = acct.group_values_usd().values()
    # open P&L of the condor = -560 - (-540) = -20
    assert mv - cost == pytest.approx(-20.0)
    assert acct.pnl_by_tier_usd()["short"] == pytest.approx(acct.equity_usd - 100_000)


def test_equity_identity_over_mixed_fills_and_futures_convention() -> None:
    from alvh.book.positions import Fill

    acct = Account(50_000.0, MARGINS)
    _open_condor(acct, qty=1)
    call = VixOption(date(2024, 3, 20), 20.0, "C")
    acct.apply_fill(Fill(D0, call, 10, 1.20, 12.5, "hedge", "vix_calls"))  # pays 1200 + 12.5
    acct.apply_fill(Fill(D0, VX, 2, 15.00, 5.0, "hedge", "vx_futures"))  # pays only fees
    acct.apply_fill(Fill(D0, EtfShare("VXX"), 100, 25.00, 0.5, "hedge", "vix_etf"))
    # cash = 50000 + 270 - 5 (condor) - 1212.5 - 5 - 2500.5
    assert acct.cash_usd == pytest.approx(50_000 + 270 - 5 - 1212.5 - 5 - 2500.5)
    acct.set_marks_by_id({call.id: 2.00, VX.id: 17.50, "VXX": 27.00})
    # future: (17.50 - 15.00) x 2 x 1000 = 5000 of P&L is its market value; not 17.50 x 2000
    # call: 10 x 2.00 x 100 = 2000; ETF: 100 x 27 = 2700; condor legs at fill: -270
    assert acct.market_value_usd == pytest.approx(5000 + 2000 + 2700 - 270)
    assert acct.equity_usd == pytest.approx(acct.cash_usd + acct.market_value_usd)
    # closing the future at 17.50 moves its 5000 into cash and leaves equity unchanged but fees
    before = acct.equity_usd
    acct.apply_fill(Fill(D1, VX, -2, 17.50, 5.0, "monetise", "vx_futures"))
    assert acct.equity_usd == pytest.approx(before - 5.0)
    tiers = acct.pnl_by_tier_usd()
    assert tiers["vx_futures"] == pytest.approx(5000 - 10)
    assert sum(tiers.values()) + acct.interest_usd == pytest.approx(acct.equity_usd - 50_000)
    # the account's lots are exactly the fold of its fills (the audit trail)
    for key, pos in fold(acct.fills).items():
        got = acct.position(*key)
        assert got is not None and (got.qty, got.avg_price) == (pos.qty, pos.avg_price)
        assert got.realized_pnl_usd == pytest.approx(pos.realized_pnl_usd)


def test_margin_futures_long_options_and_etf() -> None:
    from alvh.book.positions import Fill

    acct = Account(100_000.0, MARGINS)
    acct.apply_fill(Fill(D0, VX, -3, 15.0, 0.0))
    acct.apply_fill(Fill(D0, VixFuture("VXH24", VX.expiry, mini=True), 4, 15.0, 0.0))
    # 3 x 10000 + 4 x 1000
    assert acct.margin_usd() == pytest.approx(34_000.0)
    # long calls and a debit call spread are paid in full: no extra margin
    c20, c30 = VixOption(VX.expiry, 20, "C"), VixOption(VX.expiry, 30, "C")
    acct.apply_fill(Fill(D0, c20, 10, 2.0, 0.0))
    acct.apply_fill(Fill(D0, c30, -10, 0.8, 0.0))
    acct.apply_fill(Fill(D0, EtfShare("VXX"), 100, 25.0, 0.0))
    assert acct.margin_usd() == pytest.approx(34_000.0)
    # a short put spread of another expiry (its own group), credit 1.50 - 0.30 = 1.20:
    # width 10 x 100 x 5 - 1.20 x 100 x 5 = 4400
    apr = date(2024, 4, 17)
    p15, p5 = VixOption(apr, 15, "P"), VixOption(apr, 5, "P")
    acct.apply_fill(Fill(D0, p15, -5, 1.50, 0.0))
    acct.apply_fill(Fill(D0, p5, 5, 0.30, 0.0))
    assert acct.margin_usd() == pytest.approx(34_000.0 + 4400.0)


def test_two_condors_same_expiry_offset_and_uncovered_call() -> None:
    acct = Account(100_000.0, MARGINS)
    _open_condor(acct, qty=1, tier="short", group="a")
    _open_condor(acct, qty=1, tier="medium", group="b")
    # same expiry and strikes: 2 x (50 x 100 - 270) = 9460
    assert acct.margin_usd() == pytest.approx(9460.0)
    # an uncovered short 4800 call (credit 5.00) is charged its loss at 1.5 x 4800 = 7200:
    # group value at 7200 = 2 condors' call spreads -50 x 200 = -10000, naked call
    # -(7200 - 4800) x 100 = -240000 -> worst -250000; premium received 540 + 500 = 1040
    from alvh.book.contracts import SpxOption
    from alvh.book.positions import Fill

    acct.apply_fill(Fill(D0, SpxOption("SPXW", EXP, 4800, "C"), -1, 5.0, 0.0, "test", "x"))
    assert acct.margin_usd() == pytest.approx(250_000.0 - 1040.0)


def test_settlement_fills_close_expiring_lots_at_intrinsic() -> None:
    """Expiry settlement is a closing fill at the settlement value (the engine's
    ``condor_ops.settle_condor`` and ``hedge_ops.settle_hedges`` book them so): the cash it
    moves, by hand."""
    from alvh.book.positions import Fill

    acct = Account(100_000.0, MARGINS)
    ic = _open_condor(acct, qty=2)
    acct.apply_fill(Fill(D0, VX, 1, 15.0, 0.0, "hedge", "vx_futures"))
    cash0 = acct.cash_usd
    # SPX settles 4430: short 4450 put worth 20, long 4400 put 0, calls 0 -> pay 20 x 100 x 2
    for leg in ic.legs:
        c = leg.contract
        value = max(c.strike - 4430.0, 0.0) if not c.is_call else max(4430.0 - c.strike, 0.0)
        acct.apply_fill(Fill(EXP, c, -leg.qty, value, 0.0, "expiry settlement", "short", "c1"))
    assert acct.cash_usd == pytest.approx(cash0 - 4000.0)
    assert [p.contract.id for p in acct.positions()] == [VX.id]  # the future expires later
    assert acct.margin_usd() == pytest.approx(10_000.0)
    # VX final settlement at the SOQ: (21.35 - 15.00) x 1000 into cash
    acct.apply_fill(Fill(VX.expiry, VX, -1, 21.35, 0.0, "expiry settlement", "vx_futures"))
    assert acct.cash_usd == pytest.approx(cash0 - 4000.0 + 6350.0)
    assert acct.positions() == [] and acct.equity_usd == pytest.approx(acct.cash_usd)


def test_interest_and_vectorised_marks_and_greeks() -> None:
    acct = Account(1_000_000.0, MARGINS)
    # 5.00% on 1,000,000 for 3 days, ACT/360: 1e6 x 0.05 x 3 / 360 = 416.67
    assert acct.accrue_interest(5.0, 3) == pytest.approx(416.6667, abs=1e-3)
    ic = _open_condor(acct, qty=1)
    legs = acct.open_legs((SPX_OPTION,))
    assert acct.contract_ids(legs.slot) == [lg.contract.id for lg in ic.legs]
    acct.set_marks(legs.slot, np.array([0.5, 1.0, 1.0, 0.5]))
    # (0.5 - 1.0 - 1.0 + 0.5) x 100 = -100
    assert acct.market_value_usd == pytest.approx(-100.0)
    # per-unit greeks of the 4 legs (long put, short put, short call, long call) at S = 4600
    delta = np.array([-0.05, -0.15, 0.16, 0.06])
    vega = np.array([1.0, 2.0, 2.2, 1.1])
    theta = np.array([-0.2, -0.5, -0.55, -0.25])
    gamma = np.array([0.0005, 0.001, 0.001, 0.0005])
    acct.set_greeks(legs.slot, np.full(4, 4600.0), delta, gamma, vega, theta)
    total, per_tier = acct.greeks_usd((SPX_OPTION,))
    # delta $ = (+1)(-0.05) + (-1)(-0.15) + (-1)(0.16) + (+1)(0.06) = 0.00 per point x 100
    assert total.delta_usd == pytest.approx(0.0, abs=1e-9)
    # vega $ = (1.0 - 2.0 - 2.2 + 1.1) x 100 = -210; theta $ = (-0.2 + 0.5 + 0.55 - 0.25) x 100
    assert total.vega_usd_per_vol_pt == pytest.approx(-210.0)
    assert total.theta_usd_per_day == pytest.approx(60.0)
    assert per_tier["short"] == total
    assert acct.greeks_usd((VIX_OPTION, VX_FUTURE))[0].vega_usd_per_vol_pt == 0.0


def test_margin_prefix_sums_match_brute_force() -> None:
    """The O(n log n) group payoff equals summing every leg's intrinsic value directly."""
    from alvh.kernel.margin import group_payoff

    rng = np.random.default_rng(3)
    n = 60
    strike = rng.choice(np.arange(3000.0, 5000.0, 5.0), n)
    is_call = rng.random(n) < 0.5
    qm = rng.choice([-300.0, -100.0, 100.0, 200.0], n)
    gidx = rng.integers(0, 5, n)
    x = np.concatenate([strike, rng.uniform(0, 8000, 40)])
    xg = np.concatenate([gidx, rng.integers(0, 5, 40)])
    fast = group_payoff(strike, is_call, qm, gidx, x, xg)
    brute = np.array(
        [
            sum(
                qm[i] * (max(xj - strike[i], 0.0) if is_call[i] else max(strike[i] - xj, 0.0))
                for i in range(n)
                if gidx[i] == g
            )
            for xj, g in zip(x, xg, strict=True)
        ]
    )
    np.testing.assert_allclose(fast, brute, rtol=1e-12, atol=1e-6)


def test_compaction_keeps_equity_and_tier_pnl() -> None:
    from alvh.book.positions import Fill

    acct = Account(100_000.0, MARGINS)
    for k in range(80):  # open and close 80 condors: 320 flat lots, then one open condor
        ic = _open_condor(acct, qty=1, tier="short" if k % 2 else "long", group=f"g{k}")
        for leg in ic.legs:
            acct.apply_fill(
                Fill(D1, leg.contract, -leg.qty, 1.0, 0.0, "exit", leg_tier(k), f"g{k}")
            )
    _open_condor(acct, qty=1, tier="short", group="last")
    before = (acct.equity_usd, acct.pnl_by_tier_usd(), acct.margin_usd())
    legs = acct.open_legs()  # compacts
    assert legs.slot.tolist() == [0, 1, 2, 3]
    after = (acct.equity_usd, acct.pnl_by_tier_usd(), acct.margin_usd())
    assert after[0] == pytest.approx(before[0]) and after[2] == pytest.approx(before[2])
    assert after[1] == pytest.approx(before[1])
    assert sum(after[1].values()) == pytest.approx(acct.equity_usd - 100_000)


def leg_tier(k: int) -> str:
    return "short" if k % 2 else "long"


def test_compiled_margin_equals_the_numpy_reference_on_random_books() -> None:
    from alvh.book.margin import option_group_margin_usd
    from alvh.kernel.margin import option_group_margin_reference

    rng = np.random.default_rng(5)
    for _ in range(500):
        n = int(rng.integers(1, 40))
        strike = rng.choice(np.arange(2000.0, 5000.0, 5.0), n)
        is_call = rng.random(n) < 0.5
        qty_mult = rng.integers(-6, 7, n) * 100.0
        premium = qty_mult * rng.uniform(0.0, 60.0, n)
        group = rng.integers(0, 5, n) * 4 + 738_000 * 4  # expiry ordinal x 4 + settlement
        fast = option_group_margin_usd(strike, is_call, qty_mult, premium, group)
        ref = option_group_margin_reference(strike, is_call, qty_mult, premium, group, 1.5)
        np.testing.assert_allclose(fast, ref, rtol=1e-12, atol=1e-6)


def test_open_legs_are_cached_read_only_and_refreshed_by_a_fill() -> None:
    acct = Account(100_000.0)
    ic = IronCondor.from_strikes(date(2020, 6, 19), (2800.0, 2900.0, 3300.0, 3400.0), qty=2)
    for leg in ic.legs[:2]:
        acct.apply_fill(Fill(date(2020, 6, 1), leg.contract, leg.qty, 5.0, 0.0, "open"))
    first = acct.open_legs((SPX_OPTION,))
    assert acct.open_legs((SPX_OPTION,)) is first
    assert not first.qty.flags.writeable
    for leg in ic.legs[2:]:
        acct.apply_fill(Fill(date(2020, 6, 1), leg.contract, leg.qty, 5.0, 0.0, "open"))
    assert acct.open_legs((SPX_OPTION,)).slot.shape[0] == 4


def test_compiled_dollar_greeks_by_tier_equal_the_per_leg_algebra() -> None:
    from alvh.book import greeks as g

    rng = np.random.default_rng(8)
    n = 50
    cols = tuple(rng.normal(size=n) for _ in range(7))
    slots = rng.choice(n, 20, replace=False)
    code = rng.integers(0, 3, 20)
    total, by = g.dollar_greeks_by_code(slots, cols, code, 3)
    per_leg = g.leg_dollar_greeks(*(c[slots] for c in cols))
    np.testing.assert_allclose(total, per_leg.sum(axis=1), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(by, g.sum_by_code(per_leg, code, 3), rtol=1e-12, atol=1e-12)


def test_positions_follow_fills_and_are_the_callers_to_keep() -> None:
    acct = Account(0.0, MARGINS)
    call = VixOption(date(2024, 3, 20), 20.0, "C")
    acct.apply_fill(Fill(D0, call, 10, 1.20, 0.0, "hedge", "vix_calls"))
    acct.apply_fill(Fill(D0, VX, 2, 15.00, 0.0, "hedge", "vx_futures"))
    mine = acct.positions()
    mine.clear()  # a caller's list: the account's lots are untouched
    assert [(p.contract.id, p.qty) for p in acct.positions()] == [(call.id, 10.0), (VX.id, 2.0)]
    acct.apply_fill(Fill(D1, call, -4, 2.00, 0.0, "trim", "vix_calls"))
    acct.apply_fill(Fill(D1, VX, -2, 16.00, 0.0, "close", "vx_futures"))
    (p,) = acct.positions()
    assert (p.contract.id, p.qty, p.avg_price) == (call.id, 6.0, 1.20)
    assert p.realized_pnl_usd == pytest.approx(4 * 0.80 * 100)


def test_revision_changes_with_fills_and_marks_and_values_follow() -> None:
    acct = Account(0.0, MARGINS)
    acct.apply_fill(Fill(D0, VX, 2, 15.00, 0.0, "hedge", "vx_futures"))
    seen = {acct.revision}
    assert acct.pnl_by_tier_usd()["vx_futures"] == 0.0  # worth its fill until marked
    acct.set_marks(acct.open_legs().slot, np.array([17.0]))
    seen.add(acct.revision)
    assert acct.market_value_usd == pytest.approx(2 * 2.0 * 1000)
    assert acct.pnl_by_tier_usd()["vx_futures"] == pytest.approx(4000.0)
    acct.set_marks_by_id({VX.id: 14.0})
    seen.add(acct.revision)
    assert acct.pnl_by_tier_usd()["vx_futures"] == pytest.approx(-2000.0)
    assert acct.market_value_usd == pytest.approx(-2000.0)
    acct.apply_fill(Fill(D1, VX, -1, 14.0, 0.0, "trim", "vx_futures"))
    seen.add(acct.revision)
    assert acct.market_value_usd == pytest.approx(-1000.0)
    assert acct.pnl_by_tier_usd()["vx_futures"] == pytest.approx(-2000.0)  # 1000 realised
    assert len(seen) == 4


def test_open_contract_ids_stay_aligned_through_fills_and_compaction() -> None:
    acct = Account(0.0, MARGINS)
    for k in range(70):  # 70 flat lots, then compaction renumbers the two open ones
        opt = VixOption(date(2024, 3, 20), 10.0 + k, "C")
        acct.apply_fill(Fill(D0, opt, 1, 1.0, 0.0, "buy", "vix_calls"))
        if k not in (3, 60):
            acct.apply_fill(Fill(D1, opt, -1, 1.0, 0.0, "sell", "vix_calls"))
    ids = acct.open_contract_ids()
    assert ids == ("VIX 2024-03-20 C 13", "VIX 2024-03-20 C 70")
    assert list(ids) == acct.contract_ids(acct.open_legs().slot)
    acct.apply_fill(Fill(D1, VX, 1, 15.0, 0.0, "buy", "vx_futures"))
    assert acct.open_contract_ids() == (*ids, VX.id)
    assert list(acct.open_contract_ids()) == [p.contract.id for p in acct.positions()]


def test_lots_carry_their_tags_and_list_in_the_order_they_opened() -> None:
    acct = Account(0.0, MARGINS)
    c25 = VixOption(date(2024, 3, 20), 25.0, "C")
    c30 = VixOption(date(2024, 3, 20), 30.0, "C")
    acct.apply_fill(Fill(D0, c25, 10, 1.0, 0.0, "buy", "vix_calls", "layer2"))
    acct.apply_fill(Fill(D0, c30, 5, 0.5, 0.0, "buy", "vix_calls", "layer2"))
    acct.apply_fill(Fill(D0, c25, 4, 2.0, 0.0, "buy", "vix_calls", "layer1"))  # another lot
    # The first lot goes flat, then opens again: it now comes after the others.
    acct.apply_fill(Fill(D1, c25, -10, 1.2, 0.0, "sell", "vix_calls", "layer2"))
    acct.apply_fill(Fill(D1, c25, 3, 1.5, 0.0, "buy", "vix_calls", "layer2"))
    got = [(g, p.contract.id, p.qty, p.avg_price) for _, g, p in acct.lots()]
    assert got == [
        ("layer2", c30.id, 5.0, 0.5),
        ("layer1", c25.id, 4.0, 2.0),
        ("layer2", c25.id, 3.0, 1.5),  # reopened at its new fill, not (10 x 1.0)
    ]
    # Slot order is that of positions(); both are folds over the same fills.
    slot = [(g, p) for _, g, p in acct.lots(by_opening=False)]
    assert [p for _, p in slot] == acct.positions()
    assert [g for g, _ in slot] == ["layer2", "layer2", "layer1"]
