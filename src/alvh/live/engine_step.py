"""The seam the daily signal and the paper advance will call: one engine step, from the book.

Not wired yet, on purpose. ``alvh signal`` replays the backtest itself through D
(``alvh.live.signal``: one code path by construction, at the cost of a whole replay), and
``alvh book advance`` is not registered. The session step from stored state comes once the
engine can start from a book's fills and hedge plan (issue 19 made the book the only ledger and
rules return orders; ``BacktestResult.orders`` lists them). What is fixed now is the contract
between the book and that step, and the event payloads the book will store for its outputs
(implemented and tested: ``order_payload`` / ``order_of``).

The contract
------------
``EngineStep(StepInputs) -> StepOutput``:

- inputs: the book's config (the accepted ``RunConfig``), the fills folded so far (every
  ``Fill`` in log order, tags included: tier/condor id, hedge layer/tranche), the hedge plan
  state the previous step returned (opaque to the book, JSON-serialisable, stored in a
  ``journal`` event), the market data and the session ``D``; the step sees the market only
  through ``data.snapshot(D + decision_time)`` (the point-in-time rule).
- outputs: the orders decided at D's close for the next session (``Order``), the journal
  entries of D (every rule's inputs, outcome, action, reason, as the backtest writes them) and
  the new hedge plan state.

docs/live.md explains how ``advance`` replays this step session by session and why a paper book
advanced over a period equals a backtest of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from alvh.book.positions import Fill
    from alvh.config.run import RunConfig
    from alvh.market.data import MarketData
    from alvh.strategy.rules import JournalEntry

Side = Literal["buy", "sell"]
ORDER_FIELDS = (
    "decided_on",
    "contract",
    "qty",
    "limit_price",
    "tier",
    "group",
    "rule",
    "reason",
    "fill_timing",
)


@dataclass(frozen=True, slots=True)
class Order:
    """One order decided at a session's close, for the next session.

    The fields of the backtest's ``orders.csv`` (issue 20): the signal prints them, the book
    stores them as ``order`` events, and a paper advance fills them as the backtest would.

    Parameters
    ----------
    decided_on
        Session whose close the decision used (D).
    contract
        Contract id (``SPXW 2024-06-21 P 5000``, ``VXM24``, ``VIX 2024-06-18 C 20``, ``VXX``).
    qty
        Signed whole contracts (+ buy, - sell).
    limit_price
        Model mid adjusted by the cost model, per unit as quoted (quotes when a chain exists).
    tier, group
        The tag the fill will carry: condor tier and condor id, or hedge layer and tranche.
    rule, reason
        The rule that asked for it and why, in words with the numbers.
    fill_timing
        ``next_close`` (default), ``next_open`` or ``same_close`` (``[execution] fill_timing``).
    """

    decided_on: date
    contract: str
    qty: int
    limit_price: float
    tier: str
    group: str
    rule: str
    reason: str
    fill_timing: str = "next_close"

    @property
    def side(self) -> Side:
        """``buy`` or ``sell``."""
        return "buy" if self.qty > 0 else "sell"


@dataclass(frozen=True)
class StepInputs:
    """What the engine step is given for session ``session`` (all of it known at D's close)."""

    config: RunConfig
    fills: tuple[Fill, ...]
    hedge_state: Mapping[str, Any]
    data: MarketData
    session: date
    capital_usd: float


@dataclass(frozen=True)
class StepOutput:
    """What the engine step returns for one session."""

    orders: tuple[Order, ...]
    journal: tuple[JournalEntry, ...]
    hedge_state: Mapping[str, Any] = field(default_factory=dict)


class EngineStep(Protocol):
    """One session of the backtest's loop, run from a book's state instead of its own.

    An implementation must be the very function the backtest's loop calls each session, so
    ``alvh signal`` for D gives the backtest's orders for D (issue 20's acceptance test).
    """

    def __call__(self, inputs: StepInputs) -> StepOutput:
        """Return the orders decided at ``inputs.session``'s close and that session's journal."""
        ...


def order_payload(order: Order) -> dict[str, Any]:
    """Return the ``order`` event payload of an order (JSON-ready, the fields of orders.csv)."""
    return {
        "decided_on": order.decided_on.isoformat(),
        "contract": order.contract,
        "qty": order.qty,
        "limit_price": order.limit_price,
        "tier": order.tier,
        "group": order.group,
        "rule": order.rule,
        "reason": order.reason,
        "fill_timing": order.fill_timing,
    }


def order_of(payload: Mapping[str, Any]) -> Order:
    """Return the order an ``order`` event payload records (inverse of ``order_payload``).

    Raises
    ------
    ValueError
        If a field is missing or the quantity is zero or fractional.
    """
    missing = [f for f in ORDER_FIELDS if f not in payload]
    if missing:
        raise ValueError(f"order payload lacks {', '.join(missing)}")
    qty = payload["qty"]
    if not isinstance(qty, int) or isinstance(qty, bool) or qty == 0:
        raise ValueError(f"order qty must be a non-zero whole number, got {qty!r}")
    return Order(
        decided_on=date.fromisoformat(payload["decided_on"]),
        contract=str(payload["contract"]),
        qty=qty,
        limit_price=float(payload["limit_price"]),
        tier=str(payload["tier"]),
        group=str(payload["group"]),
        rule=str(payload["rule"]),
        reason=str(payload["reason"]),
        fill_timing=str(payload["fill_timing"]),
    )
