"""The mutable state of one backtest pass: two accounts, the open condors, pending orders.

The hedged book is the unhedged book plus a hedge overlay. Both hold the same condors, so one
``Account`` (``condors``) holds the condor legs with the full starting capital: it *is* the
unhedged twin. A second ``Account`` (``hedges``, starting cash 0) holds the hedge contracts and
their cash flows, interest included. The hedged book's equity is the sum of the two; every
position in either is a fold over its fills (``alvh.book.positions``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from alvh._typing import BoolArray, Float64Array, Int64Array
from alvh.book.account import Account
from alvh.book.condor import IronCondor
from alvh.book.contracts import SpxOption
from alvh.book.tags import condor_group
from alvh.strategy.book_view import HedgeEvent, HedgeLot, HedgeMark, HedgeOrder, layer_of_group
from alvh.strategy.rules import JournalEntry

SPX_MULT = 100.0
BOOKS = ("hedged", "unhedged")
HEDGE_LAYERS = ("vx_futures", "vix_calls", "vix_etf")


@dataclass
class OpenCondor:
    """A condor held by both books (per-condor money in index points, x100 for USD).

    The legs live in the condor account as the lot group ``group``; ``value`` and the leg
    greeks are refreshed from the account's marks each session.
    """

    cid: int
    tier: str
    expiry: pd.Timestamp
    am_settled: bool
    strikes: np.ndarray
    qty: int
    legs: tuple[SpxOption, ...] = ()
    credit: float = math.nan  # net of slippage, per condor
    open_date: pd.Timestamp | None = None
    fees_usd: float = 0.0
    value: float = 0.0  # mark of the position per condor (negative: a liability)
    delta: float = 0.0  # per condor (sum of signed leg deltas)
    vega: float = 0.0  # per condor, per vol point
    theta: float = 0.0  # per condor, per day
    iv_short_put: float = math.nan
    iv_short_call: float = math.nan
    group_code: int = -1  # the account's code of ``group`` (set by the first fill)
    expiry_ordinal: int = 0  # ``expiry.toordinal()``, for vectorised year fractions
    # The listed root it was opened on (``SPX`` monthly or ``SPXW``); by default the one its
    # settlement implies. The legs follow the book's rule (SPX: AM, SPXW: PM), so the AM-settled
    # SPXW Weeklys of 2005-2010 keep root ``SPXW`` here and in condors.csv but SPX-root legs.
    root: str = ""
    # Its row of ``LiveCondors.block`` once filled (fixed while open; the max loss costs ~0.5 us).
    live_row: tuple[float, float, float, float, float, float, float] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        self.expiry_ordinal = self.expiry.toordinal()
        if not self.root:
            self.root = "SPX" if self.am_settled else "SPXW"
        elif self.root not in ("SPX", "SPXW"):
            raise ValueError(f"condor root must be 'SPX' or 'SPXW', got {self.root!r}")
        if not self.legs:
            ic = IronCondor.from_strikes(
                self.expiry.date(),
                (
                    float(self.strikes[0]),
                    float(self.strikes[1]),
                    float(self.strikes[2]),
                    float(self.strikes[3]),
                ),
                qty=self.qty,
                root="SPX" if self.am_settled else "SPXW",
            )  # validates strike order, widths and the single expiry
            self.legs = tuple(leg.contract for leg in ic.legs)  # type: ignore[misc]

    @property
    def group(self) -> str:
        """The lot group of the condor's legs in the account."""
        return condor_group(self.cid)

    @property
    def width(self) -> float:
        """The larger wing width, index points."""
        return float(max(self.strikes[1] - self.strikes[0], self.strikes[3] - self.strikes[2]))

    @property
    def max_loss_usd(self) -> float:
        """Largest loss at expiry: wider wing minus the credit, x100 x contracts."""
        return (self.width - self.credit) * SPX_MULT * self.qty


@dataclass(frozen=True)
class Pending:
    """An order decided on one session and filled at the next fill time."""

    kind: str  # open | close | hedge
    cid: int = -1
    hedge: HedgeOrder | None = None
    reason: str = ""


@dataclass
class Ruin:
    """A book whose equity reached zero: it trades no more; its equity is held from then on."""

    day: pd.Timestamp
    equity_usd: float
    cash_usd: float


@dataclass(frozen=True, slots=True)
class LiveCondors:
    """The live condors and their terms that stay fixed while they are open, in live order.

    Built once per change of the live set (a fill, an exit, a settlement), so what reads the
    open condors every session (the hedge's view) takes arrays instead of a pass per condor.

    Attributes
    ----------
    condors
        The live condors (``RunState.live_condors`` when this was built).
    tiers, expiries
        Each condor's tier and expiry.
    block
        One row per condor: contracts, max loss USD, short put, short call, credit per condor
        (index points, slippage included), expiry ordinal and lot group code (as floats).
    expiry_ordinal
        Each expiry as a proleptic ordinal (``date.toordinal``).
    am_settled
        Whether each condor's options settle AM.

    The arrays are the state's own (read by the view's compiled pass; never handed out).
    """

    condors: list[OpenCondor]
    tiers: tuple[str, ...]
    expiries: tuple[pd.Timestamp, ...]
    block: Float64Array
    expiry_ordinal: Int64Array
    am_settled: BoolArray

    @classmethod
    def of(cls, live: list[OpenCondor]) -> LiveCondors:
        """Return the live set of ``live`` (condors that have filled), taking the list."""
        rows = []
        for c in live:
            row = c.live_row
            if row is None:
                strikes = c.strikes
                row = c.live_row = (
                    float(c.qty),
                    c.max_loss_usd,
                    float(strikes[1]),
                    float(strikes[2]),
                    c.credit,
                    float(c.expiry_ordinal),
                    float(c.group_code),
                )
            rows.append(row)
        return cls(
            live,
            tuple([c.tier for c in live]),
            tuple([c.expiry for c in live]),
            np.array(rows, dtype=float).reshape(len(rows), 7),
            np.array([c.expiry_ordinal for c in live], dtype=np.int64),
            np.array([c.am_settled for c in live], dtype=bool),
        )


@dataclass(frozen=True, slots=True)
class _HedgeLots:
    """What the hedge book takes from the open hedge lots alone (fixed until the next fill).

    ``lots`` holds (contract id, contracts, |contracts|, average price, layer, cost of the lot
    if it is not a future); the rest are ``HedgeBook``'s fields of the same names.
    """

    n_fills: int
    lots: tuple[tuple[str, float, float, float, str, float], ...]
    held: dict[str, float]
    entry_price: dict[str, float]
    contracts_by_layer: dict[str, float]
    by_layer: tuple[HedgeLot, ...]


@dataclass(frozen=True, slots=True)
class HedgeBook:
    """The open hedge lots valued at their last marks (what the view and the daily row read).

    Attributes
    ----------
    value_by_layer_usd
        Market value by layer (futures: P&L since entry), layers in order of first lot.
    value_usd
        Sum of ``value_by_layer_usd``.
    vega_usd_per_vol_pt
        Sensitivity to the VIX, USD per VIX point.
    margin_usd
        Initial margin of the futures.
    held
        Contract id -> contracts held (lots of one id summed).
    entry_price
        Contract id -> average entry price, fill slippage included.
    cost_basis_usd
        What the options and shares held cost (futures cost nothing to open).
    contracts_by_layer
        Layer -> contracts held, ``|held|`` summed over the layer's ids.
    lots
        The lots held for each of the rule's layers, in the order they opened.
    """

    value_by_layer_usd: dict[str, float]
    value_usd: float
    vega_usd_per_vol_pt: float
    margin_usd: float
    held: dict[str, float]
    entry_price: dict[str, float]
    cost_basis_usd: float
    contracts_by_layer: dict[str, float]
    lots: tuple[HedgeLot, ...]


@dataclass
class RunState:
    """Everything one pass changes, kept in one object so the loop stays readable."""

    condors_acct: Account
    hedges_acct: Account = field(default_factory=lambda: Account(0.0))
    condors: dict[int, OpenCondor] = field(default_factory=dict)
    next_cid: int = 0
    pending: list[Pending] = field(default_factory=list)
    hedge_layer: dict[str, str] = field(default_factory=dict)  # contract id -> layer
    hedge_marks: dict[str, HedgeMark] = field(default_factory=dict)  # last known mark
    # Hedge fills, unfilled orders and settlements since the hedge last decided (its view's).
    hedge_events: list[HedgeEvent] = field(default_factory=list)
    last_entry: dict[str, int] = field(default_factory=dict)
    prev_pnl: dict[str, float] = field(default_factory=dict)
    prev_rate_pct: float = 0.0  # the cash rate known at the last session's close (accrued next)
    costs_today_usd: float = 0.0  # condors' and hedges' spread and fees
    hedge_costs_today_usd: float = 0.0  # the hedges' part of ``costs_today_usd``
    cash_rate_today_pct: float = 0.0  # the annual rate cash accrued at today (ACT/360)
    cash_days_today: int = 0  # calendar days accrued today
    # Legs left open when their condor was closed (near-worthless: ExecutionConfig.sub_tick_*),
    # as (contract, qty, tier, group); settled at their expiry by ``settle_kept_legs``.
    kept_legs: list[tuple[SpxOption, float, str, str]] = field(default_factory=list)
    interest_today: dict[str, float] = field(default_factory=lambda: dict.fromkeys(BOOKS, 0.0))
    ruin: dict[str, Ruin] = field(default_factory=dict)
    closed: list[dict[str, object]] = field(default_factory=list)
    rows: list[dict[str, float]] = field(default_factory=list)
    layer_rows: list[tuple[object, ...]] = field(default_factory=list)
    journal: list[tuple[pd.Timestamp, list[JournalEntry]]] = field(default_factory=list)
    orders: list[tuple[object, ...]] = field(default_factory=list)  # result.ORDER_COLUMNS rows
    # The last ``mark_condors``: the live condors it saw, the group code of each column of
    # ``sums`` and the (6, groups) position sums (value, delta, vega, theta, short put vol,
    # short call vol).
    condor_marks: tuple[list[OpenCondor], Int64Array, Float64Array] | None = None
    # The last ``hedge_book()`` and the hedge account revision it was valued at; the lots it
    # read and the fill count they were read at; the last ``live_set()``.
    _hedge_book: tuple[int, HedgeBook] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    _hedge_lots: _HedgeLots | None = field(default=None, init=False, repr=False, compare=False)
    _live_set: LiveCondors | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def live_condors(self) -> list[OpenCondor]:
        """Condors that have filled (an entry decided today is not live until it fills)."""
        return [c for c in self.condors.values() if c.open_date is not None]

    def live_set(self) -> LiveCondors:
        """Return the live condors with their fixed terms as arrays (kept while they stay)."""
        live = self.live_condors
        cached = self._live_set
        # Identity first, element by element; a differing condor differs in ``cid`` (the
        # first field ``==`` compares), so the strike arrays are never compared.
        if cached is not None and cached.condors == live:
            return cached
        cached = self._live_set = LiveCondors.of(live)
        return cached

    def hedge_book(self) -> HedgeBook:
        """Return the open hedge lots valued at the marks in ``hedge_marks``.

        Valued once per change of the hedge account (a fill or new marks; ``hedge_marks`` is
        written together with those), so the decision's view and the daily row share it.
        """
        rev = self.hedges_acct.revision
        cached = self._hedge_book
        if cached is not None and cached[0] == rev:
            return cached[1]
        lots = self._lots()
        by_layer: dict[str, float] = {}
        vega = margin = cost_basis = 0.0
        marks = self.hedge_marks
        for hid, qty, abs_qty, avg, layer, cost in lots.lots:
            m = marks[hid]
            if m.is_future:
                v = (m.mid - avg) * qty * m.multiplier
            else:
                v = m.mid * qty * m.multiplier
                cost_basis += cost
            by_layer[layer] = by_layer.get(layer, 0.0) + v
            vega += m.vega_usd_per_vol_pt * qty
            margin += m.margin_usd * abs_qty
        book = HedgeBook(
            by_layer,
            sum(by_layer.values()),
            vega,
            margin,
            lots.held,
            lots.entry_price,
            cost_basis,
            lots.contracts_by_layer,
            lots.by_layer,
        )
        self._hedge_book = (rev, book)
        return book

    def _lots(self) -> _HedgeLots:
        """The open hedge lots' fixed part, read once per fill (marks change every session)."""
        acct = self.hedges_acct
        n_fills = len(acct.fills)
        cached = self._hedge_lots
        if cached is not None and cached.n_fills == n_fills:
            return cached
        lots: list[tuple[str, float, float, float, str, float]] = []
        held: dict[str, float] = {}
        entry: dict[str, float] = {}
        layers = self.hedge_layer
        for _, _, p in acct.lots(by_opening=False):
            c = p.contract
            hid, qty, avg = c.id, p.qty, p.avg_price
            lots.append((hid, qty, abs(qty), avg, layers[hid], qty * avg * c.multiplier))
            held[hid] = held.get(hid, 0.0) + qty
            entry[hid] = avg
        by_layer_n: dict[str, float] = {}
        for hid, q in held.items():
            layer = layers[hid]
            by_layer_n[layer] = by_layer_n.get(layer, 0.0) + abs(q)
        by_layer = tuple(
            HedgeLot(
                layer_of_group(group),
                p.contract.id,
                p.qty,
                p.avg_price,
                acct.lot_parts((p.contract.id, tier, group)),
            )
            for tier, group, p in acct.lots()
        )
        cached = self._hedge_lots = _HedgeLots(
            n_fills, tuple(lots), held, entry, by_layer_n, by_layer
        )
        return cached

    def equity_usd(self, book: str) -> float:
        """Equity of a book now (held at its ruin value once ruined)."""
        if book in self.ruin:
            return self.ruin[book].equity_usd
        eq = self.condors_acct.equity_usd
        return eq + self.hedges_acct.equity_usd if book == "hedged" else eq
