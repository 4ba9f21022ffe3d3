"""Which of a book's positions the step manages: its own fills and the condors it adopted.

The step manages what it opened (``fill`` events of source ``paper``) and the imported iron
condors the user handed it (``alvh book adopt``, a ``journal`` event of rule ``book.adopt``
per condor). Everything else the book records (``import`` events, fills recorded from a
broker's file, lines for symbols the strategy does not trade) is *not managed*: left out of the
engine's state, so the step neither sizes against, closes nor hedges it, and reported (a
``book.not_managed`` journal entry on each session the advance steps, ``not_managed`` in the
signal). A recorded fill in a lot the step holds (a broker's fill closing a paper condor leg) is
refused by name: the step's positions are the step's.

An adopted condor joins the engine's state before the first session after its adoption day:
its four imported legs, retagged with the condor's tier and lot group ``condor-<id>``, are
booked into the condor account and an ``OpenCondor`` with the credit of their average prices
is added, as if the step had opened it. Adopted condors take ids from ``ADOPTED_CID_BASE`` up,
so they never meet the ids the engine gives the condors it opens.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from alvh.book.tags import condor_group
from alvh.live.fold import ADOPT_RULE
from alvh.live.step import PAPER, StepError

if TYPE_CHECKING:
    from alvh.book.positions import Fill
    from alvh.engine.state import RunState
    from alvh.live.store import Event
    from alvh.strategy.rules import JournalEntry

NOT_MANAGED_RULE = "book.not_managed"  # the journal entry listing what the step left alone
ADOPTED_CID_BASE = 1_000_000  # first id of an adopted condor (the engine counts up from 0)
LEG_NAMES = ("long put", "short put", "short call", "long call")


@dataclass(frozen=True, slots=True)
class Adoption:
    """An imported iron condor the step manages from the first session after ``day``.

    Attributes
    ----------
    day
        The adoption day: the condor joins the state before the first session after it.
    cid, tier
        The condor's id (``ADOPTED_CID_BASE`` up) and config tier.
    root, expiry, strikes
        ``SPX`` or ``SPXW``, the expiry and the (long put, short put, short call, long call)
        strikes, index points.
    qty
        Condors (each leg's absolute quantity).
    credit
        Entry credit per condor from the legs' average prices, index points.
    open_date
        The latest opened date of the four legs.
    seqs, contracts
        The four ``import`` events adopted and their contract ids, in leg order.
    """

    day: date
    cid: int
    tier: str
    root: str
    expiry: date
    strikes: tuple[float, float, float, float]
    qty: int
    credit: float
    open_date: date
    seqs: tuple[int, int, int, int]
    contracts: tuple[str, str, str, str]

    @property
    def group(self) -> str:
        """The lot group of its legs once adopted (the engine's ``OpenCondor.group``)."""
        return condor_group(self.cid)

    def describe(self) -> str:
        """Return the condor in words: root, expiry, strikes, size, credit."""
        k = "/".join(f"{s:g}" for s in self.strikes)
        return f"{self.root} {self.expiry} {k} x{self.qty}, credit {self.credit:.2f}"

    def payload(self) -> dict[str, Any]:
        """Return the machine part of its ``book.adopt`` journal event."""
        return {
            "cid": self.cid,
            "tier": self.tier,
            "root": self.root,
            "expiry": self.expiry.isoformat(),
            "strikes": list(self.strikes),
            "qty": self.qty,
            "credit": self.credit,
            "open_date": self.open_date.isoformat(),
            "seqs": list(self.seqs),
            "contracts": list(self.contracts),
        }

    @classmethod
    def of_payload(cls, day: date, p: dict[str, Any]) -> Adoption:
        """Return the adoption a ``payload`` records (adopted on ``day``)."""
        k = [float(x) for x in p["strikes"]]
        s = [int(x) for x in p["seqs"]]
        c = [str(x) for x in p["contracts"]]
        return cls(
            day=day,
            cid=int(p["cid"]),
            tier=str(p["tier"]),
            root=str(p["root"]),
            expiry=date.fromisoformat(p["expiry"]),
            strikes=(k[0], k[1], k[2], k[3]),
            qty=int(p["qty"]),
            credit=float(p["credit"]),
            open_date=date.fromisoformat(p["open_date"]),
            seqs=(s[0], s[1], s[2], s[3]),
            contracts=(c[0], c[1], c[2], c[3]),
        )


def adoption_event(a: Adoption) -> dict[str, Any]:
    """Return the ``journal`` event payload of an adoption (rule ``book.adopt``)."""
    from alvh.live.step import journal_event
    from alvh.strategy.rules import JournalEntry

    inputs = a.payload() | {"adopted_on": a.day.isoformat()}
    reason = (
        f"condor {a.cid} ({a.tier}): imported {a.describe()}, managed by the step from the "
        f"first session after {a.day}"
    )
    entry = JournalEntry(ADOPT_RULE, inputs, "adopted", "manage", reason)
    return journal_event(entry) | {"adopt": a.payload()}


def adoptions_of(events: Iterable[Event]) -> list[Adoption]:
    """Return the adoptions the book's ``book.adopt`` journal events record, in log order."""
    return [
        Adoption.of_payload(e.session_date, e.payload["adopt"])
        for e in events
        if e.kind == "journal" and e.payload.get("rule") == ADOPT_RULE
    ]


def not_managed_entry(positions: dict[str, float]) -> JournalEntry:
    """Return the journal entry listing the positions the step left alone on a session."""
    from alvh.strategy.rules import JournalEntry

    listed = [{"contract": c, "qty": q} for c, q in sorted(positions.items())]
    words = ", ".join(f"{c} {q:+g}" for c, q in sorted(positions.items()))
    reason = (
        f"{len(listed)} position(s) the step did not open, left alone (not sized against, "
        f"closed or hedged): {words}"
    )
    return JournalEntry(NOT_MANAGED_RULE, {"positions": listed}, "not managed", "none", reason)


def inject(st: RunState, a: Adoption, legs: Sequence[Fill]) -> None:
    """Add an adopted condor to the state: its legs' fills into the condor account (cash takes
    their premiums, as at an entry), then the open condor (``legs``: retagged, leg order)."""
    import numpy as np
    import pandas as pd

    from alvh.engine.state import OpenCondor

    st.condors_acct.apply_fills(legs)
    c = OpenCondor(
        a.cid,
        a.tier,
        pd.Timestamp(a.expiry),
        a.root == "SPX",
        np.array(a.strikes, dtype=float),
        a.qty,
        credit=a.credit,
        open_date=pd.Timestamp(a.open_date),
        fees_usd=0.0,
        root=a.root,
    )
    c.group_code = st.condors_acct.group_code(c.group)
    st.condors[c.cid] = c


@dataclass(frozen=True, slots=True)
class NotOpened:
    """One recorded line the step did not open: day, contract id (or symbol), signed qty."""

    day: date
    label: str
    qty: float
    seq: int


@dataclass
class BookLog:
    """A book's fill and import events split into the step's and the rest.

    Attributes
    ----------
    paper
        The step's own fills (``fill`` events of source ``paper``), in log order.
    adoptions
        The adopted condors, by (adoption day, id).
    legs
        Each adopted condor's imported legs, retagged, in leg order (by condor id).
    others
        What the step did not open, in log order (adopted imports included: reported until
        their adoption takes effect).
    """

    paper: list[Fill] = field(default_factory=list)
    adoptions: list[Adoption] = field(default_factory=list)
    legs: dict[int, list[Fill]] = field(default_factory=dict)
    others: list[NotOpened] = field(default_factory=list)

    def engine_fills(self, last: date | None) -> list[Fill]:
        """Return the fills in the engine's accounts after session ``last``, in the order the
        step booked them: its own through ``last``, an adopted condor's legs where it joined
        (before the first session after its adoption day)."""
        if last is None:
            return []
        absorbed = [a for a in self.adoptions if a.day < last]
        out: list[Fill] = []
        k = 0
        for f in self.paper:
            if f.date > last:
                break
            while k < len(absorbed) and f.date > absorbed[k].day:
                out += self.legs[absorbed[k].cid]
                k += 1
            out.append(f)
        for a in absorbed[k:]:
            out += self.legs[a.cid]
        return out

    def ahead(self, last: date | None) -> dict[date, list[Fill]]:
        """Return the step's fills recorded after ``last`` (``fills --paper``), by session."""
        out: dict[date, list[Fill]] = {}
        for f in self.paper:
            if last is None or f.date > last:
                out.setdefault(f.date, []).append(f)
        return out

    def pending(self, last: date | None) -> list[Adoption]:
        """Return the adoptions not in the state stored for ``last`` yet."""
        return [a for a in self.adoptions if last is None or a.day >= last]

    def not_managed(self, day: date) -> dict[str, float]:
        """Return the net positions the step does not manage on session ``day``, by contract
        id (or symbol, for what the strategy does not trade)."""
        adopted = {s for a in self.adoptions if a.day < day for s in a.seqs}
        out: dict[str, float] = {}
        for o in self.others:
            if o.day <= day and o.seq not in adopted:
                out[o.label] = out.get(o.label, 0.0) + o.qty
        return {c: q for c, q in out.items() if abs(q) > 1e-9}


def split_log(events: Sequence[Event], adopt_events: Iterable[Event]) -> BookLog:
    """Split a book's ``fill``/``import`` events into the step's and the rest (``BookLog``).

    Raises
    ------
    StepError
        If a fill the step did not book is in a lot the step holds (a condor it opened or
        adopted, a hedge layer it bought): naming the fill.
    """
    from alvh.live.fold import FILL_KINDS, fill_of

    memo: dict[tuple[str, str | None], Any] = {}
    log = BookLog(adoptions=sorted(adoptions_of(adopt_events), key=lambda a: (a.day, a.cid)))
    by_seq = {s: (a, j) for a in log.adoptions for j, s in enumerate(a.seqs)}
    theirs: list[tuple[Event, Fill]] = []
    raw: dict[int, dict[int, Fill]] = {}  # adopted legs by condor id, by leg
    for e in events:
        p = e.payload
        if e.kind not in FILL_KINDS:
            continue
        day = date.fromisoformat(p["date"])
        if "foreign" in p:
            log.others.append(NotOpened(day, str(p["foreign"]), float(p["qty"]), e.seq))
            continue
        f = fill_of(p, memo)
        if e.kind == "fill" and p.get("source") == PAPER:
            log.paper.append(f)
            continue
        log.others.append(NotOpened(day, f.contract.id, f.qty, e.seq))
        if e.seq in by_seq:
            a, j = by_seq[e.seq]
            raw.setdefault(a.cid, {})[j] = replace(f, tier=a.tier, group=a.group)
        else:
            theirs.append((e, f))
    for a in log.adoptions:
        got = raw.get(a.cid, {})
        if len(got) != 4:
            raise StepError(
                f"condor {a.cid} was adopted from import events {list(a.seqs)}, which the "
                "book's log does not hold"
            )
        log.legs[a.cid] = [got[j] for j in range(4)]
    mine = {f.key for f in log.paper} | {f.key for fs in log.legs.values() for f in fs}
    for e, f in theirs:
        if f.key in mine:
            raise StepError(
                f"the book holds a {e.kind} of {f.qty:+g} {f.contract.id} on {f.date} "
                f"(tier {f.tier!r}, group {f.group!r}, {e.payload.get('source')} line "
                f"{e.payload.get('line')}) in a lot the step opened or adopted: the step's "
                "positions change only by the step's own fills (record the broker's fills of "
                "a paper book with 'alvh book fills --paper')"
            )
    return log
