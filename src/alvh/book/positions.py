"""Fills and positions: a position is a fold over its fills (nautilus_trader's lesson).

The list of fills is the audit trail; a ``Position`` is what you get by applying them in order.
Nothing else changes a position, so replaying the fills reproduces the book exactly.

Conventions
-----------
- ``qty`` is signed: positive buys, negative sells (contracts or shares).
- ``price`` is per unit of the underlying as quoted (index points, VIX points, dollars/share);
  money is ``qty x price x multiplier``.
- ``avg_price`` is the average entry price of the open quantity. Adding to a position updates
  it (quantity-weighted); reducing it realises ``(exit - avg) x closed qty x multiplier`` with
  the sign of the position and leaves ``avg_price`` unchanged; a fill that crosses zero closes
  the old position and opens the remainder at the fill price.
- ``realized_pnl_usd`` is gross of fees; fees accumulate separately in ``fees_usd``.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, replace
from datetime import date

from alvh.book.contracts import Contract


@dataclass(frozen=True, slots=True)
class Fill:
    """One execution.

    Parameters
    ----------
    date
        Session of the fill.
    contract
        What was traded.
    qty
        Signed quantity, contracts (+ buy, - sell).
    price
        Fill price per unit of underlying (index points for options, VIX points for futures).
    fees_usd
        Commissions plus exchange fees for this fill, dollars, >= 0.
    reason
        Why (the rule or event), e.g. ``"entry"``, ``"profit_target"``, ``"expiry settlement"``.
    tier
        Tier or hedge layer this fill belongs to (``"short"``, ``"vx_futures"``...).
    group
        Finer lot id within the tier (e.g. one condor), so positions can be tracked per lot.
    tag
        What the contracts it adds are for, ``((label, qty), ...)`` (``alvh.book.tags``): the
        hedge tags each allocation it buys; empty for an untagged fill.
    """

    date: date
    contract: Contract
    qty: float
    price: float
    fees_usd: float = 0.0
    reason: str = ""
    tier: str = ""
    group: str = ""
    tag: tuple[tuple[Hashable, float], ...] = ()

    def __post_init__(self) -> None:
        if self.qty == 0:
            raise ValueError(f"fill quantity must be non-zero ({self.contract.id})")
        if self.fees_usd < 0:
            raise ValueError(f"fees must be >= 0, got {self.fees_usd!r}")

    @property
    def key(self) -> tuple[str, str, str]:
        """The position this fill belongs to: (contract id, tier, group)."""
        return (self.contract.id, self.tier, self.group)

    @property
    def side(self) -> str:
        """``"buy"`` or ``"sell"``."""
        return "buy" if self.qty > 0 else "sell"

    @property
    def premium_usd(self) -> float:
        """Money paid for the fill (positive when buying), excluding fees."""
        return self.qty * self.price * self.contract.multiplier


@dataclass(frozen=True, slots=True)
class Position:
    """Open quantity of one contract in one (tier, group) lot and what it has realised.

    Parameters
    ----------
    contract
        The contract.
    qty
        Signed open quantity.
    avg_price
        Average entry price of the open quantity (0 when flat).
    realized_pnl_usd
        Gross P&L realised by reducing or closing, dollars.
    fees_usd
        Fees paid on all fills of this position, dollars.
    """

    contract: Contract
    qty: float = 0.0
    avg_price: float = 0.0
    realized_pnl_usd: float = 0.0
    fees_usd: float = 0.0

    @property
    def is_flat(self) -> bool:
        """Whether nothing is open."""
        return self.qty == 0

    def apply(self, fill: Fill) -> Position:
        """Return the position after one fill (the fold step)."""
        if fill.contract != self.contract:
            raise ValueError(
                f"fill for {fill.contract.id} applied to position in {self.contract.id}"
            )
        new_qty, new_avg, realized = fold_step(self.qty, self.avg_price, fill.qty, fill.price)
        return replace(
            self,
            qty=new_qty,
            avg_price=new_avg,
            realized_pnl_usd=self.realized_pnl_usd + realized * self.contract.multiplier,
            fees_usd=self.fees_usd + fill.fees_usd,
        )

    def unrealized_pnl_usd(self, mark: float) -> float:
        """Return ``(mark - avg_price) x qty x multiplier``."""
        return (mark - self.avg_price) * self.qty * self.contract.multiplier


def fold_step(
    qty: float, avg: float, fill_qty: float, fill_price: float
) -> tuple[float, float, float]:
    """Apply one fill to (qty, avg price); return (new qty, new avg, realised P&L per multiplier).

    Realised P&L is in price units x contracts (multiply by the contract multiplier for dollars).
    """
    if qty == 0 or (qty > 0) == (fill_qty > 0):
        new_qty = qty + fill_qty
        return new_qty, (qty * avg + fill_qty * fill_price) / new_qty, 0.0
    closed = min(abs(fill_qty), abs(qty))
    sign = 1.0 if qty > 0 else -1.0
    realized = (fill_price - avg) * closed * sign
    new_qty = qty + fill_qty
    if new_qty == 0:
        return 0.0, 0.0, realized
    if (new_qty > 0) == (qty > 0):
        return new_qty, avg, realized
    return new_qty, fill_price, realized  # crossed zero: the remainder opens at the fill price


def fold(fills: Iterable[Fill]) -> dict[tuple[str, str, str], Position]:
    """Fold fills in order into positions keyed by (contract id, tier, group)."""
    out: dict[tuple[str, str, str], Position] = {}
    for f in fills:
        pos = out.get(f.key) or Position(f.contract)
        out[f.key] = pos.apply(f)
    return out
