"""The daily loop: clock -> snapshot -> settle -> fill -> mark -> decide -> record.

One pass runs the hedged book and its unhedged twin: both hold the same condors (sized on the
twin's equity, so the condor book does not depend on how the hedge fares); only the hedged book
holds hedge positions. Decisions on session D use ``data.snapshot(D + decision_time)`` and
nothing else; orders fill at the next session's close (or the same close if configured).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from alvh.book.condor import IronCondor
from alvh.calendar.expiries import spx_expiries
from alvh.engine.hedge_hook import BookView, CondorView, HedgeHook, HedgeOrder, NoHedge
from alvh.engine.journal import JournalEntry
from alvh.engine.result import TRADE_COLUMNS, BacktestResult
from alvh.engine.settings import EngineSettings, TierRules
from alvh.errors import NoDataError
from alvh.market.data import MarketData
from alvh.market.snapshot import MarketSnapshot
from alvh.market.surface import SpxVolSurface
from alvh.strategy.condor import check_exit, choose_expiry, condor_contracts, select_strikes

SPX_MULT = 100.0
# Leg order: long put, short put, short call, long call; signs of a short condor.
LEG_SIGN = np.array([1.0, -1.0, -1.0, 1.0])
LEG_IS_CALL = np.array([False, False, True, True])
BOOKS = ("hedged", "unhedged")


@dataclass
class OpenCondor:
    """A condor held by both books (per-condor money in index points, x100 for USD)."""

    cid: int
    tier: str
    expiry: pd.Timestamp
    am_settled: bool
    strikes: np.ndarray
    qty: int
    credit: float = math.nan  # net of slippage, per condor
    open_date: pd.Timestamp | None = None
    fees_usd: float = 0.0
    value: float = 0.0  # current mark of the position per condor (negative: a liability)
    iv: np.ndarray = field(default_factory=lambda: np.full(4, math.nan))
    delta: np.ndarray = field(default_factory=lambda: np.zeros(4))
    vega: np.ndarray = field(default_factory=lambda: np.zeros(4))
    theta: np.ndarray = field(default_factory=lambda: np.zeros(4))

    @property
    def max_loss_usd(self) -> float:
        w = max(self.strikes[1] - self.strikes[0], self.strikes[3] - self.strikes[2])
        return (w - self.credit) * SPX_MULT * self.qty

    def contract_ids(self) -> list[str]:
        """Return the ids of the four leg contracts (validated as an iron condor)."""
        ic = IronCondor.from_strikes(
            self.expiry.date(),
            tuple(float(k) for k in self.strikes),  # type: ignore[arg-type]
            qty=self.qty,
            root="SPX" if self.am_settled else "SPXW",
        )
        return [leg.contract.id for leg in ic.legs]


@dataclass(frozen=True)
class _Pending:
    kind: str  # open | close | hedge
    cid: int = -1
    hedge: HedgeOrder | None = None
    reason: str = ""


class _State:
    """Mutable state of one pass (kept in one object so the loop stays readable)."""

    def __init__(self, settings: EngineSettings) -> None:
        self.cash = {b: settings.initial_capital_usd for b in BOOKS}
        self.condors: dict[int, OpenCondor] = {}
        self.next_cid = 0
        self.pending: list[_Pending] = []
        self.hedge_qty: dict[str, float] = {}
        self.hedge_cost: dict[str, float] = {}  # USD paid for open hedge contracts
        self.hedge_layer: dict[str, str] = {}
        self.fut_entry: dict[str, float] = {}  # futures: average entry price
        self.tier_cash: dict[str, float] = {}
        self.layer_cash: dict[str, float] = {}
        self.prev_value: dict[str, float] = {}
        self.costs_today = 0.0
        self.interest: dict[str, float] = dict.fromkeys(BOOKS, 0.0)
        self.last_entry: dict[str, int] = {}
        self.trades: list[tuple] = []
        self.closed: list[dict[str, object]] = []
        self.rows: list[dict[str, float]] = []
        self.layer_rows: list[tuple] = []
        self.journal: list[tuple[pd.Timestamp, list[JournalEntry]]] = []


def _settlement_price(snap: MarketSnapshot, day: pd.Timestamp, am: bool) -> tuple[float, str]:
    """Return the SPX settlement value for expiries on ``day`` and where it came from."""
    if am:
        fs = snap.known("final_settlements")
        hit = fs[(fs["product"] == "SPX_AM") & (fs["expiry"] == day)]
        if len(hit):
            return float(hit["value"].iloc[-1]), "SPX special opening quotation"
        opens = snap.history("SPX", 1, field="open")
        if len(opens) and opens.index[-1] == day and math.isfinite(opens.iloc[-1]):
            return float(opens.iloc[-1]), "SPX open (no official SOQ in the data)"
        return snap.close("SPX"), "SPX close (neither SOQ nor open in the data)"
    return snap.close("SPX"), "SPX close (PM-settled)"


def _mark_condors(st: _State, surf: SpxVolSurface, day: pd.Timestamp) -> None:
    """Mark every open condor with one vectorised pricing call."""
    live = list(st.condors.values())
    if not live:
        return
    t = np.array([[surf.t_years(c.expiry, c.am_settled)] for c in live])
    k = np.stack([c.strikes for c in live])
    g = surf.greeks(t, k, LEG_IS_CALL[None, :])
    iv = surf.iv(t, k)
    for j, c in enumerate(live):
        c.value = float(np.dot(LEG_SIGN, g.price[j]))
        c.iv, c.delta = iv[j], g.delta[j]
        c.vega, c.theta = g.vega_per_vol_pt[j], g.theta_per_day[j]


def _leg_mids(
    surf: SpxVolSurface, expiry: pd.Timestamp, am: bool, strikes: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return model mids and |delta| of the four legs."""
    t = surf.t_years(expiry, am)
    g = surf.greeks(np.full(4, t), strikes, LEG_IS_CALL)
    return np.asarray(g.price, dtype=float), np.abs(np.asarray(g.delta, dtype=float))


class Engine:
    """Run a backtest of the condor tiers with an optional hedge.

    Parameters
    ----------
    settings
        The run's rules.
    data
        The market.
    hedge
        The hedge hook; ``NoHedge()`` when None.
    """

    def __init__(
        self, settings: EngineSettings, data: MarketData, hedge: HedgeHook | None = None
    ) -> None:
        self.s = settings
        self.data = data
        self.hedge: HedgeHook = hedge or NoHedge()
        sessions = data.sessions("SPX")
        # The surface needs the day's VIX: run only where SPX and VIX both have bars.
        if "VIX" in data.symbols:
            vix_days = data.sessions("VIX")
            sessions = sessions[(sessions >= vix_days[0]) & (sessions <= vix_days[-1])]
        self.sessions = sessions[
            (sessions >= pd.Timestamp(settings.start)) & (sessions <= pd.Timestamp(settings.end))
        ]
        if len(self.sessions) < 2:
            raise NoDataError(
                f"fewer than two SPX sessions between {settings.start} and {settings.end} in "
                f"{data.source.description} (it spans {data.first_date().date()}..{data.last_date().date()})"
            )
        end_exp = self.sessions[-1] + pd.Timedelta(days=400)
        self.expiries: dict[str, pd.DataFrame] = {}
        for product in {t.product for t in settings.tiers}:
            e = spx_expiries(self.sessions[0].date(), end_exp.date(), product)
            self.expiries[product] = e.sort_values("expiry").reset_index(drop=True)
        monthly = spx_expiries(self.sessions[0].date(), end_exp.date(), "spx")
        self.monthly_days = frozenset(
            pd.DatetimeIndex(monthly.loc[monthly["kind"] == "monthly", "expiry"])
        )
        dt = settings.execution.decision_time
        self.decision_offset = pd.Timedelta(hours=dt.hour, minutes=dt.minute)

    # -- the loop -------------------------------------------------------------------------
    def run(
        self,
        run_id: str = "",
        config: dict[str, object] | None = None,
        definitions: dict[str, object] | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> BacktestResult:
        """Run every session and return the result."""
        self.hedge.prepare(self.data)
        st = _State(self.s)
        prev_day: pd.Timestamp | None = None
        prev_rate = 0.0
        n = len(self.sessions)
        for i, day in enumerate(self.sessions):
            snap = self.data.snapshot(day + self.decision_offset)
            surf = SpxVolSurface.from_snapshot(snap)
            entries: list[JournalEntry] = []
            st.costs_today = 0.0
            st.interest = dict.fromkeys(BOOKS, 0.0)
            if prev_day is not None:
                days = (day - prev_day).days
                for b in BOOKS:
                    st.interest[b] = st.cash[b] * prev_rate * days / 365.0
                    st.cash[b] += st.interest[b]
            self._settle(st, snap, day, entries)
            if self.s.execution.fill_timing == "next_close":
                self._fill(st, snap, surf, day, entries)
            _mark_condors(st, surf, day)
            self._decide(st, snap, surf, day, i, entries)
            if self.s.execution.fill_timing == "same_close":
                self._fill(st, snap, surf, day, entries)
                _mark_condors(st, surf, day)
            self._record(st, snap, surf, day)
            st.journal.append((day, entries))
            prev_rate = self._cash_rate(snap)
            prev_day = day
            if progress is not None:
                progress(i + 1, n)
        return self._result(st, run_id, config or {}, definitions or {})

    def _cash_rate(self, snap: MarketSnapshot) -> float:
        if self.s.cash_rate_series == "none":
            return 0.0
        try:
            return snap.rate_pct(self.s.cash_rate_series) / 100.0
        except NoDataError:
            return 0.0

    # -- settlement -----------------------------------------------------------------------
    def _settle(
        self, st: _State, snap: MarketSnapshot, day: pd.Timestamp, entries: list[JournalEntry]
    ) -> None:
        for cid in [c.cid for c in st.condors.values() if c.expiry == day]:
            c = st.condors.pop(cid)
            price, source = _settlement_price(snap, day, c.am_settled)
            intrinsic = np.maximum(np.where(LEG_IS_CALL, price - c.strikes, c.strikes - price), 0.0)
            payoff = float(np.dot(LEG_SIGN, intrinsic))
            cash = payoff * SPX_MULT * c.qty
            for b in BOOKS:
                st.cash[b] += cash
            st.tier_cash[c.tier] = st.tier_cash.get(c.tier, 0.0) + cash
            pnl = (c.credit + payoff) * SPX_MULT * c.qty - c.fees_usd
            st.closed.append(self._closed_row(c, day, "expiration", pnl))
            entries.append(
                JournalEntry(
                    f"tier.{c.tier}.settle",
                    {"condor": cid, "settlement": price, "payoff_per_condor": payoff},
                    "settled",
                    "expire",
                    f"condor {cid} settled at {price:.2f} ({source}); payoff {payoff:+.2f} per condor",
                )
            )
        for hid in [h for h in st.hedge_qty if st.hedge_qty[h] != 0]:
            m = self.hedge.mark(snap, hid)
            if m.expiry is None or m.expiry > day:  # settle also an expiry missed on a holiday
                continue
            value = m.settlement if m.settlement is not None else m.mid
            qty = st.hedge_qty.pop(hid)
            layer = st.hedge_layer[hid]
            cash = (
                (value - st.fut_entry.pop(hid, 0.0)) * qty * m.multiplier
                if m.is_future
                else value * qty * m.multiplier
            )
            st.cash["hedged"] += cash
            st.layer_cash[layer] = st.layer_cash.get(layer, 0.0) + cash
            st.hedge_cost.pop(hid, None)
            entries.append(
                JournalEntry(
                    f"hedge.{layer}.settle",
                    {"contract": hid, "settlement": value, "qty": qty},
                    "settled",
                    "expire",
                    f"{hid} x{qty:g} settled at {value:.2f}",
                )
            )

    # -- fills ----------------------------------------------------------------------------
    def _fees(self, contracts: float) -> float:
        return self.s.execution.spx_fee_per_contract_usd * abs(contracts)

    def _leg_prices(
        self, surf: SpxVolSurface, c: OpenCondor, frac: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return the legs' model mids and the slippage paid on each (index points)."""
        mids, abs_delta = _leg_mids(surf, c.expiry, c.am_settled, c.strikes)
        return mids, frac * 0.5 * self.s.execution.spx_spread.spread(mids, abs_delta)

    def _book_condor_fill(
        self,
        st: _State,
        c: OpenCondor,
        day: pd.Timestamp,
        cash_per_condor: float,
        mids: np.ndarray,
        slip: np.ndarray,
        direction: int,
        reason: str,
    ) -> float:
        """Post a condor fill to both books and the trade list; return the fees paid.

        ``direction`` is +1 when opening (legs traded with LEG_SIGN) and -1 when closing.
        """
        fees = self._fees(4 * c.qty)
        cash = cash_per_condor * SPX_MULT * c.qty - fees
        for b in BOOKS:
            st.cash[b] += cash
        st.tier_cash[c.tier] = st.tier_cash.get(c.tier, 0.0) + cash
        st.costs_today += fees + float(slip.sum()) * SPX_MULT * c.qty
        for j, cid in enumerate(c.contract_ids()):
            buy = LEG_SIGN[j] * direction > 0
            px = mids[j] + (slip[j] if buy else -slip[j])
            trade = (
                day,
                "both",
                c.tier,
                "spx_option",
                cid,
                "buy" if buy else "sell",
                c.qty,
                px,
                fees / 4,
                reason,
            )
            st.trades.append(trade)
        return fees

    def _fill(
        self,
        st: _State,
        snap: MarketSnapshot,
        surf: SpxVolSurface,
        day: pd.Timestamp,
        entries: list[JournalEntry],
    ) -> None:
        frac = self.s.execution.slippage_frac_of_half_spread
        pending, st.pending = st.pending, []
        for p in pending:
            if p.kind == "open":
                c = st.condors[p.cid]
                mids, slip = self._leg_prices(surf, c, frac)
                credit = float(-np.dot(LEG_SIGN, mids) - slip.sum())
                if credit <= 0.0:
                    del st.condors[p.cid]
                    entries.append(
                        JournalEntry(
                            f"tier.{c.tier}.fill",
                            {"condor": c.cid, "credit": credit},
                            "skipped",
                            "none",
                            f"no fill: credit {credit:.2f} <= 0 at the fill",
                        )
                    )
                    continue
                c.credit, c.open_date = credit, day
                c.fees_usd = self._book_condor_fill(st, c, day, credit, mids, slip, +1, p.reason)
            elif p.kind == "close":
                closing = st.condors.get(p.cid)
                if closing is None:
                    continue
                c = closing
                mids, slip = self._leg_prices(surf, c, frac)
                cost = float(-np.dot(LEG_SIGN, mids) + slip.sum())  # pay to close, per condor
                c.fees_usd += self._book_condor_fill(st, c, day, -cost, mids, slip, -1, p.reason)
                pnl = (c.credit - cost) * SPX_MULT * c.qty - c.fees_usd
                st.closed.append(self._closed_row(c, day, p.reason.split(":")[0], pnl))
                del st.condors[p.cid]
            else:
                self._fill_hedge(st, snap, day, p.hedge, entries)

    def _fill_hedge(
        self,
        st: _State,
        snap: MarketSnapshot,
        day: pd.Timestamp,
        o: HedgeOrder | None,
        entries: list[JournalEntry],
    ) -> None:
        assert o is not None
        try:
            m = self.hedge.mark(snap, o.contract_id)
        except (KeyError, NoDataError) as e:
            entries.append(
                JournalEntry(
                    f"hedge.{o.layer}.fill",
                    {"contract": o.contract_id},
                    "skipped",
                    "none",
                    f"no fill: {o.contract_id} has no price on {day.date()} ({e})",
                )
            )
            return
        if m.expiry is not None and m.expiry <= day:
            entries.append(
                JournalEntry(
                    f"hedge.{o.layer}.fill",
                    {"contract": o.contract_id},
                    "skipped",
                    "none",
                    f"no fill: {o.contract_id} expires {m.expiry.date()}",
                )
            )
            return
        px = m.mid + math.copysign(m.half_spread, o.qty)
        fees = m.fee_usd * abs(o.qty)
        held = st.hedge_qty.get(o.contract_id, 0.0)
        new = held + o.qty
        if m.is_future:
            # Futures: no premium; realise P&L on the reduced part at the fill price.
            entry = st.fut_entry.get(o.contract_id, px)
            if held != 0 and np.sign(o.qty) != np.sign(held):
                closed = min(abs(o.qty), abs(held)) * np.sign(held)
                cash = (px - entry) * closed * m.multiplier
            else:
                cash = 0.0
                entry = (entry * held + px * o.qty) / new if new != 0 else px
            st.fut_entry[o.contract_id] = entry if new != 0 else 0.0
            if new == 0:
                st.fut_entry.pop(o.contract_id, None)
        else:
            cash = -px * o.qty * m.multiplier
        cash -= fees
        st.cash["hedged"] += cash
        st.layer_cash[o.layer] = st.layer_cash.get(o.layer, 0.0) + cash
        st.costs_today += fees + m.half_spread * abs(o.qty) * m.multiplier
        st.hedge_cost[o.contract_id] = st.hedge_cost.get(o.contract_id, 0.0) + (
            0.0 if m.is_future else px * o.qty * m.multiplier
        )
        if new == 0:
            st.hedge_qty.pop(o.contract_id, None)
            st.hedge_cost.pop(o.contract_id, None)
        else:
            st.hedge_qty[o.contract_id] = new
        st.hedge_layer[o.contract_id] = o.layer
        st.trades.append(
            (
                day,
                "hedged",
                o.layer,
                o.layer,
                o.contract_id,
                "buy" if o.qty > 0 else "sell",
                abs(o.qty),
                px,
                fees,
                o.reason,
            )
        )

    # -- decisions ------------------------------------------------------------------------
    @staticmethod
    def _condor_value_usd(st: _State) -> float:
        return sum(
            c.value * SPX_MULT * c.qty for c in st.condors.values() if c.open_date is not None
        )

    def _equity(self, st: _State, snap: MarketSnapshot, book: str) -> float:
        eq = st.cash[book] + self._condor_value_usd(st)
        if book == "hedged":
            eq += self._hedge_value(st, snap)[0]
        return eq

    def _hedge_value(
        self, st: _State, snap: MarketSnapshot
    ) -> tuple[float, dict[str, float], float, float]:
        total, vega, margin = 0.0, 0.0, 0.0
        by_layer: dict[str, float] = {}
        for hid, q in st.hedge_qty.items():
            m = self.hedge.mark(snap, hid)
            v = (
                (m.mid - st.fut_entry.get(hid, m.mid)) * q * m.multiplier
                if m.is_future
                else m.mid * q * m.multiplier
            )
            total += v
            layer = st.hedge_layer[hid]
            by_layer[layer] = by_layer.get(layer, 0.0) + v
            vega += m.vega_usd_per_vol_pt * q
            margin += m.margin_usd * abs(q)
        return total, by_layer, vega, margin

    def _entry_due(
        self, tier: TierRules, day: pd.Timestamp, i: int, st: _State
    ) -> tuple[bool, str]:
        if tier.entry_monthly:
            # CNDR-style: on each standard monthly expiration day roll into the next monthly;
            # on the first session of a run, start the cycle at once.
            if day in self.monthly_days:
                return True, f"monthly roll on the {day.date()} expiration"
            if tier.name not in st.last_entry:
                return True, "first session of the run: start the monthly cycle"
            return False, "monthly tier: not a standard monthly expiration day"
        if tier.entry_every_sessions:
            last = st.last_entry.get(tier.name, -(10**9))
            if i - last >= tier.entry_every_sessions:
                return True, f"every {tier.entry_every_sessions} sessions"
            return False, f"{i - last} sessions since the last entry < {tier.entry_every_sessions}"
        if tier.entry_weekday is not None:
            if day.weekday() == tier.entry_weekday:
                return True, f"weekly entry day ({day.day_name()})"
            # A holiday on the entry weekday moves the entry to the next session of that week.
            last = st.last_entry.get(tier.name, -(10**9))
            prev = self.sessions[i - 1] if i > 0 else None
            if (
                prev is not None
                and prev.weekday() < tier.entry_weekday < day.weekday()
                and day.isocalendar()[1] == prev.isocalendar()[1]
                and i - last > 1
            ):
                return True, "weekly entry day was a holiday"
            return False, f"not the entry weekday ({day.day_name()})"
        return True, "daily entries"

    def _event_block(self, snap: MarketSnapshot, i: int) -> tuple[str, str]:
        ev = self.s.events
        if ev.action == "none" or (ev.sessions_before == 0 and ev.sessions_after == 0):
            return "none", ""
        lo = self.sessions[max(0, i - ev.sessions_after)]
        hi_i = i + ev.sessions_before
        hi = (
            self.sessions[hi_i]
            if hi_i < len(self.sessions)
            else self.sessions[-1] + pd.Timedelta(days=2 * ev.sessions_before)
        )
        found = snap.events_between(lo, hi, ev.kinds)
        if found.empty:
            return "none", ""
        names = ", ".join(
            f"{k} {d.date()}" for k, d in zip(found["kind"], found["date"], strict=True)
        )
        return ev.action, names

    def _decide(
        self,
        st: _State,
        snap: MarketSnapshot,
        surf: SpxVolSurface,
        day: pd.Timestamp,
        i: int,
        entries: list[JournalEntry],
    ) -> None:
        spot = surf.spot
        # Exits first: a condor that leaves frees room for an entry of its tier.
        for c in list(st.condors.values()):
            if c.open_date is None:
                continue
            tier = self._tier(c.tier)
            dte = (c.expiry - day).days
            chk = check_exit(
                c.credit,
                -c.value,
                dte,
                spot,
                c.strikes[1],
                c.strikes[2],
                tier.profit_target_pct,
                tier.stop_multiple,
                tier.exit_dte,
                tier.exit_on_touch,
            )
            entries.append(
                JournalEntry(
                    f"tier.{c.tier}.exit",
                    {
                        "condor": c.cid,
                        "credit": c.credit,
                        "cost_to_close": -c.value,
                        "dte": dte,
                        "spx": spot,
                    },
                    "fired" if chk.exit else "clear",
                    "close" if chk.exit else "none",
                    f"{chk.rule}: {chk.reason}",
                )
            )
            if chk.exit and dte > 0:
                st.pending.append(_Pending("close", c.cid, reason=f"{chk.rule}: {chk.reason}"))
        equity = self._equity(st, snap, "unhedged")
        action, names = self._event_block(snap, i)
        closing = {p.cid for p in st.pending if p.kind == "close"}
        for tier in self.s.tiers:
            rule = f"tier.{tier.name}.entry"
            due, why = self._entry_due(tier, day, i, st)
            if not due:
                entries.append(JournalEntry(rule, {}, "skipped", "none", why))
                continue
            n_open = sum(
                1 for c in st.condors.values() if c.tier == tier.name and c.cid not in closing
            )
            if n_open >= tier.max_open_condors:
                entries.append(
                    JournalEntry(
                        rule,
                        {"open": n_open},
                        "skipped",
                        "none",
                        f"{n_open} condors open >= cap {tier.max_open_condors}",
                    )
                )
                continue
            if action == "skip":
                entries.append(
                    JournalEntry(
                        rule, {"events": names}, "skipped", "none", f"event blackout: {names}"
                    )
                )
                continue
            exps = self.expiries[tier.product]["expiry"]
            expiry = choose_expiry(
                pd.DatetimeIndex(exps[exps > day]), day, tier.dte_min, tier.dte_max, tier.dte_target
            )
            if expiry is None:
                entries.append(
                    JournalEntry(
                        rule,
                        {},
                        "skipped",
                        "none",
                        f"no {tier.product} expiry {tier.dte_min}-{tier.dte_max} DTE listed",
                    )
                )
                continue
            row = (
                self.expiries[tier.product]
                .loc[self.expiries[tier.product]["expiry"] == expiry]
                .iloc[0]
            )
            am = row["settlement"] == "AM"
            t = surf.t_years(expiry, am)
            k = select_strikes(
                surf, t, tier.strike_method, tier.strike_value, tier.wing_method, tier.wing_value
            )
            if k is None:
                entries.append(
                    JournalEntry(
                        rule,
                        {"expiry": str(expiry.date())},
                        "skipped",
                        "none",
                        "no strikes fit the selection rule",
                    )
                )
                continue
            strikes = k.as_array()
            mids, _ = _leg_mids(surf, expiry, am, strikes)
            credit = float(-np.dot(LEG_SIGN, mids))
            width = max(k.put_width, k.call_width)
            max_loss_1 = (width - credit) * SPX_MULT
            qty = condor_contracts(equity, max_loss_1, tier.risk_pct_of_equity, tier.max_contracts)
            if action == "reduce":
                qty = math.floor(qty * self.s.events.reduce_factor)
            inputs = {
                "expiry": str(expiry.date()),
                "strikes": strikes.tolist(),
                "credit_mid": round(credit, 4),
                "max_loss_per_condor_usd": round(max_loss_1, 2),
                "equity_usd": round(equity, 2),
                "qty": qty,
                "events": names,
            }
            if qty <= 0 or credit <= 0:
                entries.append(
                    JournalEntry(
                        rule,
                        inputs,
                        "skipped",
                        "none",
                        f"size 0: max loss {max_loss_1:.0f} per condor vs "
                        f"{tier.risk_pct_of_equity:g}% of equity {equity:.0f}"
                        if credit > 0
                        else f"credit {credit:.2f} <= 0",
                    )
                )
                continue
            c = OpenCondor(st.next_cid, tier.name, expiry, am, strikes, qty)
            st.condors[c.cid] = c
            st.next_cid += 1
            st.last_entry[tier.name] = i
            st.pending.append(_Pending("open", c.cid, reason=f"entry {tier.name}: {k.reason}"))
            reason = f"open {qty} x {strikes[0]:g}/{strikes[1]:g}/{strikes[2]:g}/{strikes[3]:g} exp {expiry.date()} ({k.reason}); {why}"
            if action == "reduce":
                reason += f"; size x{self.s.events.reduce_factor:g} for {names}"
            entries.append(JournalEntry(rule, inputs, "fired", "open", reason))
        view = self._book_view(st, snap, surf, day)
        orders, hedge_entries = self.hedge.decide(snap, view)
        entries.extend(hedge_entries)
        st.pending.extend(_Pending("hedge", hedge=o, reason=o.reason) for o in orders)

    def _tier(self, name: str) -> TierRules:
        for t in self.s.tiers:
            if t.name == name:
                return t
        raise KeyError(name)

    def _book_view(
        self, st: _State, snap: MarketSnapshot, surf: SpxVolSurface, day: pd.Timestamp
    ) -> BookView:
        live = [c for c in st.condors.values() if c.open_date is not None]
        arr = lambda f: np.array([f(c) for c in live], dtype=float)  # noqa: E731
        atm = np.array([float(surf.atm_vol(surf.t_years(c.expiry, c.am_settled))) for c in live])
        cv = CondorView(
            tiers=tuple(c.tier for c in live),
            expiries=tuple(c.expiry for c in live),
            short_put=arr(lambda c: c.strikes[1]),
            short_call=arr(lambda c: c.strikes[2]),
            credit_per_condor=arr(lambda c: c.credit),
            qty=arr(lambda c: c.qty),
            dte_days=arr(lambda c: (c.expiry - day).days),
            iv_short_put=arr(lambda c: c.iv[1]),
            iv_short_call=arr(lambda c: c.iv[2]),
            iv_atm=atm,
            max_loss_usd=arr(lambda c: c.max_loss_usd),
            margin_usd=arr(lambda c: c.max_loss_usd),
            delta_per_condor=arr(lambda c: float(np.dot(LEG_SIGN, c.delta))),
            vega_usd_per_vol_pt=float(
                sum(np.dot(LEG_SIGN, c.vega) * SPX_MULT * c.qty for c in live)
            ),
            delta_usd=float(sum(np.dot(LEG_SIGN, c.delta) * SPX_MULT * c.qty for c in live)),
        )
        hv = self._hedge_value(st, snap)
        return BookView(
            day,
            surf.spot,
            st.cash["hedged"] + self._condor_value_usd(st) + hv[0],
            st.cash["hedged"],
            cv,
            dict(st.hedge_qty),
            hv[0],
            sum(st.hedge_cost.values()),
            self._hedge_entry_prices(st, snap),
        )

    def _hedge_entry_prices(self, st: _State, snap: MarketSnapshot) -> dict[str, float]:
        out: dict[str, float] = {}
        for hid, q in st.hedge_qty.items():
            if hid in st.fut_entry:
                out[hid] = st.fut_entry[hid]
            else:
                out[hid] = st.hedge_cost.get(hid, 0.0) / (q * self.hedge.mark(snap, hid).multiplier)
        return out

    # -- records --------------------------------------------------------------------------
    def _record(
        self, st: _State, snap: MarketSnapshot, surf: SpxVolSurface, day: pd.Timestamp
    ) -> None:
        live = [c for c in st.condors.values() if c.open_date is not None]
        cond_value = {t.name: 0.0 for t in self.s.tiers}
        for c in live:
            cond_value[c.tier] += c.value * SPX_MULT * c.qty
        margin = sum(c.max_loss_usd for c in live)
        delta = sum(float(np.dot(LEG_SIGN, c.delta)) * SPX_MULT * c.qty for c in live)
        vega = sum(float(np.dot(LEG_SIGN, c.vega)) * SPX_MULT * c.qty for c in live)
        theta = sum(float(np.dot(LEG_SIGN, c.theta)) * SPX_MULT * c.qty for c in live)
        h_total, h_layers, h_vega, h_margin = self._hedge_value(st, snap)
        row: dict[str, float] = {}
        for b in BOOKS:
            hv = h_total if b == "hedged" else 0.0
            row[f"{b}_equity_usd"] = st.cash[b] + sum(cond_value.values()) + hv
            row[f"{b}_cash_usd"] = st.cash[b]
            row[f"{b}_margin_usd"] = margin + (h_margin if b == "hedged" else 0.0)
            row[f"{b}_delta_usd"] = delta
            row[f"{b}_vega_usd_per_vol_pt"] = vega + (h_vega if b == "hedged" else 0.0)
            row[f"{b}_theta_usd_per_day"] = theta
            row[f"{b}_interest_usd"] = st.interest[b]
        for t in self.s.tiers:
            key = f"tier:{t.name}"
            now = cond_value[t.name] + st.tier_cash.get(t.name, 0.0)
            row[f"pnl_tier_{t.name}_usd"] = now - st.prev_value.get(key, 0.0)
            st.prev_value[key] = now
        for layer in ("vx_futures", "vix_calls", "vix_etf"):
            key = f"layer:{layer}"
            now = h_layers.get(layer, 0.0) + st.layer_cash.get(layer, 0.0)
            row[f"pnl_hedge_{layer}_usd"] = now - st.prev_value.get(key, 0.0)
            st.prev_value[key] = now
            if h_layers.get(layer) is not None:
                n = sum(abs(q) for h, q in st.hedge_qty.items() if st.hedge_layer[h] == layer)
                st.layer_rows.append((day, layer, layer, n, h_layers[layer]))
        row["costs_usd"] = st.costs_today
        row["spx"] = surf.spot
        row["vix"] = snap.close("VIX") if snap.has("VIX") else math.nan
        try:
            curve = snap.vx_curve()
            front = curve[curve["expiry"] > day]
            row["vx1"] = float(front["settle"].iloc[0]) if len(front) > 0 else math.nan
            row["vx2"] = float(front["settle"].iloc[1]) if len(front) > 1 else math.nan
        except NoDataError:
            row["vx1"] = row["vx2"] = math.nan
        row["date"] = day
        st.rows.append(row)

    def _closed_row(
        self, c: OpenCondor, day: pd.Timestamp, rule: str, pnl: float
    ) -> dict[str, object]:
        return {
            "condor_id": c.cid,
            "tier": c.tier,
            "open_date": c.open_date,
            "close_date": day,
            "expiry": c.expiry,
            "long_put": c.strikes[0],
            "short_put": c.strikes[1],
            "short_call": c.strikes[2],
            "long_call": c.strikes[3],
            "contracts": c.qty,
            "credit_usd": c.credit * SPX_MULT * c.qty,
            "max_loss_usd": c.max_loss_usd,
            "pnl_usd": pnl,
            "exit_rule": rule,
        }

    def _result(
        self, st: _State, run_id: str, config: dict[str, object], definitions: dict[str, object]
    ) -> BacktestResult:
        daily = pd.DataFrame(st.rows).set_index("date")
        trades = pd.DataFrame(
            st.trades,
            columns=list(TRADE_COLUMNS),
        )
        open_rows = [
            self._closed_row(c, None, "open", math.nan) | {"close_date": None}  # type: ignore[arg-type]
            for c in st.condors.values()
            if c.open_date is not None
        ]
        condors = pd.DataFrame(
            st.closed + open_rows,
            columns=[
                "condor_id",
                "tier",
                "open_date",
                "close_date",
                "expiry",
                "long_put",
                "short_put",
                "short_call",
                "long_call",
                "contracts",
                "credit_usd",
                "max_loss_usd",
                "pnl_usd",
                "exit_rule",
            ],
        )
        layers = pd.DataFrame(
            st.layer_rows, columns=["date", "layer", "instrument", "contracts", "market_value_usd"]
        )
        return BacktestResult(
            run_id,
            self.data.source,
            config,
            definitions,
            daily,
            trades,
            condors.sort_values(["open_date", "condor_id"], kind="mergesort").reset_index(
                drop=True
            ),
            layers,
            st.journal,
        )
