"""Positions as a pure fold over the book's fill events (nothing stores a position).

``fill`` and ``import`` events carry one execution each: the contract id, signed quantity,
price, fees and the tag of what it belongs to (``tier``: condor tier or hedge layer; ``group``:
condor id or hedge tranche). ``fill_of`` turns them into ``alvh.book.positions.Fill`` and
``fold_book`` folds them in log order with the book layer's own ``fold``, so a book replayed
from its log is exactly the book. Lines for symbols the strategy does not trade (``foreign``)
are folded apart, by symbol, and never enter the account. Imported legs of a condor the step
adopted (``alvh book adopt``) fold under the condor's tier and lot group, as the step holds
them, so its closing fills net them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from alvh.book.contracts import Contract, VixFuture, parse_contract_id
from alvh.book.positions import Fill, Position, fold
from alvh.book.tags import condor_group
from alvh.live.store import Event

ADOPT_RULE = "book.adopt"  # the journal entry of one adopted condor (alvh.live.managed)

FILL_KINDS = ("fill", "import")
IMPORTED_TIER = "imported"  # tier of an imported position the file did not tag


@dataclass(frozen=True, slots=True)
class ForeignPosition:
    """A position in something the strategy does not trade: reported, left alone."""

    symbol: str
    qty: int
    why: str


@dataclass(frozen=True, slots=True)
class BookFold:
    """The fold of a book's log: its fills in order, open positions, foreign positions."""

    fills: tuple[Fill, ...]
    positions: dict[tuple[str, str, str], Position]
    foreign: dict[str, ForeignPosition]

    def open_positions(self) -> dict[tuple[str, str, str], Position]:
        """Return the lots with a non-zero quantity, keyed by (contract id, tier, group)."""
        return {k: p for k, p in self.positions.items() if not p.is_flat}

    def held_by_contract(self) -> dict[str, float]:
        """Return the net open quantity per contract id (all lots summed)."""
        out: dict[str, float] = {}
        for (cid, _, _), p in self.open_positions().items():
            out[cid] = out.get(cid, 0.0) + p.qty
        return {c: q for c, q in out.items() if q != 0}


def fill_payload(
    *,
    contract: Contract,
    qty: float,
    price: float,
    day: date,
    fees_usd: float,
    tier: str,
    group: str,
    reason: str,
    source: str,
    line: int,
    tag: list[Any] | None = None,
) -> dict[str, Any]:
    """Return the payload of a ``fill``/``import`` event (the fields ``fill_of`` reads).

    ``tag`` is a hedge fill's allocations as ``alvh.engine.state_json.tag_payload`` writes
    them (left out when empty).
    """
    out: dict[str, Any] = {
        "contract": contract.id,
        # Kept so a VX future is rebuilt without the exchange calendar (seconds to build).
        "expiry": contract.expiry.isoformat() if contract.expiry is not None else None,
        "qty": qty,
        "price": price,
        "date": day.isoformat(),
        "fees_usd": fees_usd,
        "tier": tier,
        "group": group,
        "reason": reason,
        "source": source,
        "line": line,
    }
    if tag:
        out["tag"] = tag
    return out


def contract_of(contract_id: str, expiry: str | None) -> Contract:
    """Return the contract of an id, taking a VX future's expiry as recorded.

    ``parse_contract_id`` derives a VX expiry from the CFE rule, which needs the exchange
    calendar (a few seconds to build in a fresh process); the recorded expiry is the same date.
    """
    word = contract_id.strip()
    mini = word.startswith("VXM") and len(word) == 6
    code = "VX" + word[3:] if mini else word
    if expiry and len(code) == 5 and code.startswith("VX") and code[3:].isdigit():
        return VixFuture(code, date.fromisoformat(expiry), mini)
    return parse_contract_id(contract_id)


def _contract(
    contract_id: str, expiry: str | None, memo: dict[tuple[str, str | None], Contract] | None
) -> Contract:
    if memo is None:
        return contract_of(contract_id, expiry)
    key = (contract_id, expiry)
    c = memo.get(key)
    if c is None:
        c = memo[key] = contract_of(contract_id, expiry)
    return c


def fill_of(
    payload: dict[str, Any], contracts: dict[tuple[str, str | None], Contract] | None = None
) -> Fill:
    """Return the ``Fill`` an event payload records (with its tag, when it has one).

    ``contracts``: contracts already parsed, by (id, recorded expiry), filled in as it goes.
    """
    tag = payload.get("tag")
    if tag:
        from alvh.engine.state_json import tag_of

        decoded = tag_of(tag)
    else:
        decoded = ()
    return Fill(
        date=date.fromisoformat(payload["date"]),
        contract=_contract(payload["contract"], payload.get("expiry"), contracts),
        qty=float(payload["qty"]),
        price=float(payload["price"]),
        fees_usd=float(payload.get("fees_usd", 0.0)),
        reason=str(payload.get("reason", "")),
        tier=str(payload.get("tier", "")),
        group=str(payload.get("group", "")),
        tag=decoded,
    )


def fold_book(events: Iterable[Event]) -> BookFold:
    """Fold a book's events (in seq order) into fills, positions and foreign positions.

    A pure function: same events, same result. Events of other kinds are ignored, but for
    the ``book.adopt`` journal entries, which retag the imports they adopted.
    """
    events = list(events)
    retag: dict[int, tuple[str, str]] = {}  # import seq -> (tier, group) of its condor
    for e in events:
        if e.kind == "journal" and e.payload.get("rule") == ADOPT_RULE:
            a = e.payload["adopt"]
            for s in a["seqs"]:
                retag[int(s)] = (str(a["tier"]), condor_group(int(a["cid"])))
    fills: list[Fill] = []
    foreign: dict[str, ForeignPosition] = {}
    for e in events:
        if e.kind not in FILL_KINDS:
            continue
        p = e.payload
        if "foreign" in p:
            sym = p["foreign"]
            old = foreign.get(sym)
            qty = (old.qty if old else 0) + int(p["qty"])
            if qty == 0:
                foreign.pop(sym, None)
            else:
                foreign[sym] = ForeignPosition(sym, qty, str(p.get("why", "")))
            continue
        f = fill_of(p)
        if e.seq in retag:
            f = replace(f, tier=retag[e.seq][0], group=retag[e.seq][1])
        fills.append(f)
    return BookFold(tuple(fills), fold(fills), foreign)
