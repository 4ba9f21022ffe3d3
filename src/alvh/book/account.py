"""The account: cash, positions (array-backed for bulk marking), equity, margin, greeks.

Cash and equity conventions
---------------------------
- Options and ETF shares: buying pays ``qty x price x multiplier`` from cash, selling receives
  it. Their market value is ``qty x mark x multiplier``.
- VX/VXM futures, variation-margin style: opening costs no cash; the market value of an open
  future is its P&L since entry, ``qty x (mark - avg_price) x multiplier``; reducing or closing
  moves the realised P&L into cash. (Daily variation margin would move the same money into cash
  each day; equity is identical either way.)
- Fees always leave cash. Interest accrues on the signed cash balance.
- ``equity_usd = cash_usd + sum(market value)``, so a fill changes equity only by its fees and
  by the gap between fill price and mark.

Positions live in numpy arrays, one slot per (contract id, tier, group) lot, so the engine marks
all legs of a day in one vectorised call: ``legs = acct.open_legs()``, price them, then
``acct.set_marks(legs.slot, prices)``. Until marked, a new lot is marked at its fill price.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from alvh._typing import Float64Array, Int64Array
from alvh.book import greeks as _g
from alvh.book.contracts import Contract
from alvh.book.legs import (
    NO_EXPIRY_ORDINAL,
    SETTLE_CODE_BY_KEY,
    SETTLE_NEVER,
    SPX_OPTION,
    VIX_OPTION,
    VX_FUTURE,
    OpenLegs,
    kind_code,
    of_kinds,
    read_only,
)
from alvh.book.margin import futures_margin_usd, option_group_margin_usd
from alvh.book.positions import Fill, Position, fold_step
from alvh.book.tags import LotKey, LotTags, Part
from alvh.book.valuation import slot_values, value_slots

_Lots = tuple[tuple[str, str, Position], ...]


class Account:
    """Cash and positions of one book, changed only by fills, marks, interest and settlement.

    Parameters
    ----------
    initial_cash_usd
        Starting capital.
    futures_margin_usd
        Initial margin per contract by product, e.g. ``{"vx_future": 8000, "vxm_future": 800}``.
    """

    def __init__(
        self, initial_cash_usd: float, futures_margin_usd: Mapping[str, float] | None = None
    ) -> None:
        self.cash_usd = float(initial_cash_usd)
        self.initial_cash_usd = float(initial_cash_usd)
        self.futures_margin = dict(futures_margin_usd or {})
        self.fills: list[Fill] = []
        self.interest_usd = 0.0
        self.fees_usd = 0.0
        self._slot: dict[tuple[str, str, str], int] = {}
        self._contracts: list[Contract] = []
        self._keys: list[tuple[str, str, str]] = []
        self._tiers: dict[str, int] = {}
        self._groups: dict[str, int] = {}
        self._tags = LotTags()  # the tagged parts of each lot (hedge allocations)
        self._closed_tier_cash = np.zeros(0)  # cash flows of lots dropped by compaction
        self._n = 0
        self._cap = 0
        self._arr: dict[str, np.ndarray] = {}
        self._grow(64)
        self._margin_cache: float | None = None
        self._mv_cache: float | None = None  # sum of market values; reset by fills and marks
        self._tier_pnl_cache: list[float] | None = None  # by tier code; reset also by compaction
        # open_legs results by kinds; lots open and their terms change only with fills.
        self._legs_cache: dict[tuple[int, ...] | None, OpenLegs] = {}
        self._positions_cache: tuple[Position, ...] | None = None  # reset by fills
        self._lots_cache: tuple[_Lots, _Lots] | None = None  # (slot order, opening); by fills
        self._ids_cache: tuple[OpenLegs, tuple[str, ...]] | None = None  # open_contract_ids
        self._revision = 0

    # -- storage ----------------------------------------------------------------------------
    _FLOAT_COLS = (
        "qty",
        "avg",
        "mult",
        "strike",
        "mark",
        "realized",
        "fees",
        "tier_cash",
        "delta",
        "gamma",
        "vega",
        "theta",
        "under",
    )
    # ``opened``: the fill count when the lot last went from flat to open (``lots`` order).
    _INT_COLS = ("kind", "expiry", "tier", "settle", "group", "opened")

    def _grow(self, cap: int) -> None:
        for name in self._FLOAT_COLS:
            new = np.zeros(cap)
            if name in self._arr:
                new[: self._n] = self._arr[name][: self._n]
            self._arr[name] = new
        for name in self._INT_COLS:
            newi = np.zeros(cap, dtype=np.int64)
            if name in self._arr:
                newi[: self._n] = self._arr[name][: self._n]
            self._arr[name] = newi
        newb = np.zeros(cap, dtype=bool)
        if "call" in self._arr:
            newb[: self._n] = self._arr["call"][: self._n]
        self._arr["call"] = newb
        self._cap = cap

    def _new_slot(self, fill: Fill) -> int:
        if self._n == self._cap:
            self._grow(2 * self._cap)
        i = self._n
        c = fill.contract
        a = self._arr
        a["kind"][i] = kind_code(c)
        a["mult"][i] = c.multiplier
        a["strike"][i] = getattr(c, "strike", np.nan)
        a["call"][i] = getattr(c, "right", "") == "C"
        exp = c.expiry
        a["expiry"][i] = exp.toordinal() if exp is not None else NO_EXPIRY_ORDINAL
        a["settle"][i] = SETTLE_CODE_BY_KEY.get(c.settlement_key or "", SETTLE_NEVER)
        if fill.tier not in self._tiers:
            self._tiers[fill.tier] = len(self._tiers)
            self._closed_tier_cash = np.append(self._closed_tier_cash, 0.0)
        a["tier"][i] = self._tiers[fill.tier]
        a["group"][i] = self._groups.setdefault(fill.group, len(self._groups))
        self._slot[fill.key] = i
        self._contracts.append(c)
        self._keys.append(fill.key)
        self._n += 1
        return i

    def _col(self, name: str) -> np.ndarray:
        return self._arr[name][: self._n]

    # -- fills ------------------------------------------------------------------------------
    def apply_fill(self, fill: Fill) -> None:
        """Book one fill: update the lot, cash, fees and the audit trail."""
        i = self._slot.get(fill.key)
        if i is None:
            i = self._new_slot(fill)
        a = self._arr
        qty, avg = float(a["qty"][i]), float(a["avg"][i])
        new_qty, new_avg, realized = fold_step(qty, avg, fill.qty, fill.price)
        mult = float(a["mult"][i])
        if a["kind"][i] == VX_FUTURE:
            flow = realized * mult - fill.fees_usd
        else:
            flow = -fill.qty * fill.price * mult - fill.fees_usd
        self.cash_usd += flow
        self.fees_usd += fill.fees_usd
        a["tier_cash"][i] += flow
        a["realized"][i] += realized * mult
        a["fees"][i] += fill.fees_usd
        if qty == 0:
            a["opened"][i] = len(self.fills)
        if qty == 0 or new_avg != avg:
            a["mark"][i] = fill.price  # a fresh (or re-based) lot is worth its fill until marked
        self._tags.apply(fill.key, qty, fill.qty, fill.tag, len(self.fills))
        a["qty"][i] = new_qty
        a["avg"][i] = new_avg
        self.fills.append(fill)
        self._margin_cache = None
        self._mv_cache = None
        self._tier_pnl_cache = None
        self._legs_cache.clear()
        self._positions_cache = None
        self._lots_cache = None
        self._revision += 1

    def apply_fills(self, fills: Iterable[Fill]) -> None:
        """Book fills in order."""
        for f in fills:
            self.apply_fill(f)

    def accrue_interest(
        self, annual_rate_pct: float, days: float, day_basis: float = 360.0
    ) -> float:
        """Credit (or charge) simple interest on cash: ``cash x rate x days / basis``; return it.

        ACT/360 by default, the money-market convention of T-bills and fed funds.
        """
        interest = self.cash_usd * annual_rate_pct / 100.0 * days / day_basis
        self.cash_usd += interest
        self.interest_usd += interest
        return interest

    # -- views ------------------------------------------------------------------------------
    def open_legs(self, kinds: tuple[int, ...] | None = None) -> OpenLegs:
        """Return aligned arrays of open lots (optionally of some kinds, e.g. ``(SPX_OPTION,)``).

        Slots stay valid through fills and marks until the next ``open_legs`` call, which may
        compact the arrays (drop flat lots) and renumber them. The arrays are read-only and
        shared between calls until the next fill.
        """
        cached = self._legs_cache.get(kinds)
        if cached is not None:
            return cached
        every = self._legs_cache.get(None)
        if every is None:
            every = self._legs_cache[None] = read_only(self._open_legs())
        legs = every if kinds is None else of_kinds(every, kinds)
        self._legs_cache[kinds] = legs
        return legs

    def _open_legs(self) -> OpenLegs:
        self._maybe_compact()
        s = np.flatnonzero(self._col("qty") != 0)
        a = self._arr
        return OpenLegs(
            slot=s,
            kind=a["kind"][s],
            qty=a["qty"][s],
            multiplier=a["mult"][s],
            strike=a["strike"][s],
            is_call=a["call"][s],
            expiry_ordinal=a["expiry"][s],
            tier_code=a["tier"][s],
            group_code=a["group"][s],
            settle_code=a["settle"][s],
        )

    def group_code(self, group: str) -> int:
        """Return the integer code of a lot group (e.g. one condor), stable for the account's
        life, so per-group sums are one ``np.bincount`` over ``OpenLegs.group_code``.

        Raises ``KeyError`` for a group that was never traded.
        """
        return self._groups[group]

    @property
    def n_groups(self) -> int:
        """Number of group codes issued (the ``minlength`` for per-group bincounts)."""
        return len(self._groups)

    def contract_ids(self, slots: Int64Array) -> list[str]:
        """Return the contract ids of lots (for logging; not needed to mark)."""
        return [self._keys[int(j)][0] for j in slots]

    def open_contract_ids(self) -> tuple[str, ...]:
        """Return the contract ids of ``open_legs()``'s lots, aligned with its slots; kept with
        that view until the next fill (the hedge's lots are marked by id every session)."""
        legs = self.open_legs()
        hit = self._ids_cache
        if hit is None or hit[0] is not legs:
            hit = self._ids_cache = (legs, tuple(self._keys[j][0] for j in legs.slot.tolist()))
        return hit[1]

    def contract(self, slot: int) -> Contract:
        """Return the contract held in a slot."""
        return self._contracts[slot]

    def _maybe_compact(self) -> None:
        """Drop flat lots once they outnumber open ones, keeping the arrays short.

        Their cash flows stay in the per-tier P&L; the fill list remains the full record.
        """
        open_mask = self._col("qty") != 0
        n_open = int(np.count_nonzero(open_mask))
        if self._n - n_open <= max(64, n_open):
            return
        flat = ~open_mask
        np.add.at(self._closed_tier_cash, self._col("tier")[flat], self._col("tier_cash")[flat])
        keep = np.flatnonzero(open_mask)
        for arr in self._arr.values():
            arr[: keep.shape[0]] = arr[keep]
            arr[keep.shape[0] : self._n] = 0
        self._contracts = [self._contracts[i] for i in keep]
        self._keys = [self._keys[i] for i in keep]
        self._slot = {k: i for i, k in enumerate(self._keys)}
        self._n = keep.shape[0]
        self._legs_cache.clear()  # slots renumbered
        self._tier_pnl_cache = None  # closed cash moved: summed anew (the total is kept)

    @property
    def revision(self) -> int:
        """A number that changes with every fill and every ``set_marks``: what is derived from
        the lots and their marks (a valuation, say) may be kept while it is unchanged."""
        return self._revision

    def set_marks(self, slots: Int64Array, prices: Float64Array) -> None:
        """Set marks (price per unit of underlying) of lots, vectorised."""
        self._arr["mark"][np.asarray(slots)] = prices
        self._mv_cache = None
        self._tier_pnl_cache = None
        self._revision += 1

    def set_marks_by_id(self, prices: Mapping[str, float]) -> None:
        """Set marks by contract id (every lot of that contract); convenient, not for hot loops."""
        for key, i in self._slot.items():
            if key[0] in prices:
                self._arr["mark"][i] = prices[key[0]]
        self._mv_cache = None
        self._tier_pnl_cache = None
        self._revision += 1

    def set_greeks(
        self,
        slots: Int64Array,
        underlying: float | Float64Array,
        delta: Float64Array,
        gamma: Float64Array,
        vega_per_vol_pt: Float64Array,
        theta_per_day: Float64Array,
    ) -> None:
        """Store per-unit greeks of lots (from the kernel) and their underlying level."""
        s = np.asarray(slots)
        for name, v in (
            ("under", underlying),
            ("delta", delta),
            ("gamma", gamma),
            ("vega", vega_per_vol_pt),
            ("theta", theta_per_day),
        ):
            self._arr[name][s] = v

    def positions(self) -> list[Position]:
        """Return open positions (one per lot, in slot order; a new list on each call).

        Lots change only with fills, so the positions are built once per fill, not per call.
        """
        cached = self._positions_cache
        if cached is None:
            cached = self._positions_cache = tuple(
                self._position(i) for i in np.flatnonzero(self._col("qty") != 0).tolist()
            )
        return list(cached)

    def lots(self, by_opening: bool = True) -> tuple[tuple[str, str, Position], ...]:
        """Return the open lots as ``(tier, group, position)``.

        ``by_opening``: in the order they opened (a lot that went flat and opened again counts
        from its reopening, the order of a fold that drops flat lots); otherwise in slot order,
        that of ``positions``. Built once per fill.
        """
        cached = self._lots_cache
        if cached is None:
            a = self._arr
            open_slots = np.flatnonzero(self._col("qty") != 0)
            opened = a["opened"][open_slots]
            rows = tuple(
                (self._keys[i][1], self._keys[i][2], self._position(i)) for i in open_slots.tolist()
            )
            order = np.argsort(opened, kind="stable").tolist()
            cached = self._lots_cache = (rows, tuple(rows[j] for j in order))
        return cached[1] if by_opening else cached[0]

    def lot_parts(self, key: LotKey) -> tuple[Part, ...]:
        """Return the tagged parts of the lot ``key``, oldest first (``alvh.book.tags``)."""
        return self._tags.of(key)

    def position(self, contract_id: str, tier: str = "", group: str = "") -> Position | None:
        """Return the lot (contract id, tier, group), or None if never traded (or flat and
        dropped by compaction; the fills still record it)."""
        i = self._slot.get((contract_id, tier, group))
        return None if i is None else self._position(i)

    def _position(self, i: int) -> Position:
        """Return slot ``i`` as a ``Position``."""
        a = self._arr
        return Position(
            self._contracts[i],
            float(a["qty"][i]),
            float(a["avg"][i]),
            float(a["realized"][i]),
            float(a["fees"][i]),
        )

    def _value(self) -> tuple[float, list[float]]:
        """Value the lots in one compiled pass: keep and return the total market value (the
        kept one if any: a compaction since reorders its sum, not what it was) and the P&L
        per tier code."""
        a = self._arr
        tier_pnl = np.empty(len(self._tiers))
        total = value_slots(
            a["kind"],
            a["qty"],
            a["mark"],
            a["avg"],
            a["mult"],
            a["tier"],
            a["tier_cash"],
            self._n,
            self._closed_tier_cash,
            tier_pnl,
        )
        kept = self._mv_cache
        if kept is None:
            kept = self._mv_cache = total
        pnl = self._tier_pnl_cache = tier_pnl.tolist()
        return kept, pnl

    @property
    def market_value_usd(self) -> float:
        """Sum of market values of open lots (futures: P&L since entry); kept until the next
        fill or mark (the equity of a session is read several times)."""
        mv = self._mv_cache
        return self._value()[0] if mv is None else mv

    @property
    def equity_usd(self) -> float:
        """Cash plus market value of all positions."""
        return self.cash_usd + self.market_value_usd

    def pnl_by_tier_usd(self) -> dict[str, float]:
        """Return cumulative P&L per tier/layer: its cash flows plus its open market value.

        Interest is not attributed to any tier; so ``sum + interest + initial = equity``.
        """
        pnl = self._tier_pnl_cache
        if pnl is None:
            pnl = self._value()[1]
        return {t: pnl[c] for t, c in self._tiers.items()}

    def group_values_usd(self) -> dict[tuple[str, str], tuple[float, float]]:
        """Return {(tier, group): (market value, entry cost)} of open lots, both in dollars.

        Entry cost is ``qty x avg price x multiplier`` (negative for a credit), so a condor's
        open P&L is ``market value - entry cost``.
        """
        out: dict[tuple[str, str], tuple[float, float]] = {}
        a = self._arr
        mv = slot_values(a["kind"], a["qty"], a["mark"], a["avg"], a["mult"], self._n)
        cost = self._col("qty") * self._col("avg") * self._col("mult")
        fut = self._col("kind") == VX_FUTURE
        for i in np.flatnonzero(self._col("qty") != 0):
            _, tier, group = self._keys[i]
            m0, c0 = out.get((tier, group), (0.0, 0.0))
            c = 0.0 if fut[i] else float(cost[i])
            out[(tier, group)] = (m0 + float(mv[i]), c0 + c)
        return out

    # -- margin -----------------------------------------------------------------------------
    def margin_usd(self) -> float:
        """Return the margin of all open lots (see ``alvh.book.margin``); cached until a fill."""
        if self._margin_cache is None:
            self._margin_cache = self._compute_margin()
        return self._margin_cache

    def _compute_margin(self) -> float:
        legs = self.open_legs((SPX_OPTION, VIX_OPTION))
        opt = option_group_margin_usd(
            legs.strike,
            legs.is_call,
            legs.qty * legs.multiplier,
            legs.qty * self._arr["avg"][legs.slot] * legs.multiplier,
            legs.expiry_ordinal * 4 + legs.settle_code,
        )
        fut = self.open_legs((VX_FUTURE,))
        products = [self._contracts[i].product for i in fut.slot]
        return opt + futures_margin_usd(products, fut.qty, self.futures_margin)

    def excess_liquidity_usd(self) -> float:
        """Equity not tied up by margin."""
        return self.equity_usd - self.margin_usd()

    # -- greeks -----------------------------------------------------------------------------
    def greeks_usd(
        self, kinds: tuple[int, ...]
    ) -> tuple[_g.DollarGreeks, dict[str, _g.DollarGreeks]]:
        """Return (total, per tier) dollar greeks of open lots of some kinds (one underlying).

        Use ``(SPX_OPTION,)`` for the condor book; ``(VIX_OPTION, VX_FUTURE)`` for VIX exposure.
        """
        legs = self.open_legs(kinds)
        a = self._arr
        cols = (a["qty"], a["mult"], a["under"], a["delta"], a["gamma"], a["vega"], a["theta"])
        total, by = _g.dollar_greeks_by_code(legs.slot, cols, legs.tier_code, len(self._tiers))
        rows = by.T.tolist()
        per_tier = {t: _g.DollarGreeks(*rows[c]) for t, c in self._tiers.items()}
        return _g.DollarGreeks(*total.tolist()), per_tier
