"""``alvh book adopt``: hand imported SPX/SPXW iron condors to the step.

Issue 20: positions the strategy does not recognise are left alone "unless the user says
otherwise". ``adopt_condors`` is that word: every imported SPX/SPXW lot still open after the
adoption day, not adopted yet, is grouped (by its ``group`` column; lots without one by
expiry) and each group must be an iron condor: 4 legs of one root and expiry, long put < short
put < short call < long call, equal absolute whole quantities, the short legs short, a credit.
Its tier is the import's ``tier`` column when it names a config tier, else ``--tier``, else the
one tier whose DTE entry window holds the condor's days to expiry on the adoption day. One
``journal`` event of rule ``book.adopt`` per condor is written, all in one transaction, or
nothing when any group does not qualify (``AdoptError`` lists each and why); ``groups`` limits
the adoption to the groups named and leaves every other import alone. The step takes
each condor over before the first session after the adoption day (``alvh.live.managed``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from alvh.live.errors import BookError
from alvh.live.fold import IMPORTED_TIER
from alvh.live.managed import (
    ADOPT_RULE,
    ADOPTED_CID_BASE,
    LEG_NAMES,
    Adoption,
    adoption_event,
    adoptions_of,
)

if TYPE_CHECKING:
    from alvh.book.positions import Fill
    from alvh.config.run import RunConfig
    from alvh.live.context import MarketFacts
    from alvh.live.store import BookStore

_LEG_SIGNS = (1, -1, -1, 1)  # long put, short put, short call, long call


class AdoptError(BookError):
    """Imported positions that cannot be adopted as asked (nothing was written)."""


@dataclass(frozen=True, slots=True)
class AdoptResult:
    """What ``adopt_condors`` did.

    Attributes
    ----------
    day
        The adoption day (the condors are managed from the first session after it).
    adopted
        The condors adopted now (empty: nothing written).
    already
        Ids of condors adopted before from the book's imports (these are not adopted twice).
    expired
        Imported SPX/SPXW lots that expire on or before the adoption day, as ``contract id
        qty``: nothing to manage, left alone (named, so that none goes missing silently).
    """

    day: date
    adopted: tuple[Adoption, ...]
    already: tuple[int, ...]
    expired: tuple[str, ...] = ()


def _is_group_name(text: str) -> bool:
    """Return False for an ISO date (``--group`` naming the expiry of ungrouped lots)."""
    try:
        date.fromisoformat(text)
    except ValueError:
        return True
    return False


def _tier_option(cfg: RunConfig, tier: str | None) -> str | None:
    """Return the config tier ``--tier`` names (a name or a 0-based index)."""
    if tier is None:
        return None
    names = [t.name for t in cfg.tiers]
    if tier in names:
        return tier
    if tier.isdigit() and int(tier) < len(names):
        return names[int(tier)]
    raise AdoptError(
        f"--tier = {tier!r}; expected a tier of the book's config: "
        + ", ".join(f"{n} ({k})" for k, n in enumerate(names))
    )


def _tier_of(
    cfg: RunConfig, label: str, tagged: str, option: str | None, dte: int, day: date
) -> tuple[str | None, str]:
    """Return the condor's tier, or None and why not."""
    names = [t.name for t in cfg.tiers]
    if tagged and tagged != IMPORTED_TIER:
        if tagged in names:
            return tagged, ""
        return None, (
            f"{label}: its tier column says {tagged!r}, which is not a tier of the book's "
            f"config ({', '.join(names)})"
        )
    if option is not None:
        return option, ""
    fits = [t.name for t in cfg.tiers if t.dte.min <= dte <= t.dte.max]
    if len(fits) == 1:
        return fits[0], ""
    windows = ", ".join(f"{t.name} {t.dte.min:g}-{t.dte.max:g}" for t in cfg.tiers)
    which = "no tier" if not fits else "tiers " + " and ".join(fits)
    return None, (
        f"{label}: {dte} days to expiry on {day} is in the DTE entry window of {which} "
        f"(windows: {windows}); name the tier with --tier or the import's tier column"
    )


def _condor(
    cfg: RunConfig,
    label: str,
    legs: list[tuple[int, Fill]],
    option: str | None,
    day: date,
    cid: int,
) -> tuple[Adoption | None, str]:
    """Return the adoption of one lot group, or None and why it is not an iron condor."""
    from alvh.book.contracts import SpxOption

    names = ", ".join(f"{f.contract.id} {f.qty:+g}" for _, f in legs)
    opts = [(s, f, f.contract) for s, f in legs if isinstance(f.contract, SpxOption)]
    if len(opts) != 4:
        return None, f"{label} ({names}): {len(legs)} legs; an iron condor has 4"
    expiries = sorted({c.expiry for _, _, c in opts})
    if len(expiries) != 1:
        return None, f"{label} ({names}): legs of {len(expiries)} expiries; a condor has one"
    roots = sorted({c.root for _, _, c in opts})
    if len(roots) != 1:
        return None, f"{label} ({names}): legs of roots {'/'.join(roots)}; a condor has one"
    puts = sorted((o for o in opts if o[2].right == "P"), key=lambda o: o[2].strike)
    calls = sorted((o for o in opts if o[2].right == "C"), key=lambda o: o[2].strike)
    if len(puts) != 2:
        return None, f"{label} ({names}): {len(puts)} puts; an iron condor has 2 puts, 2 calls"
    ordered = [*puts, *calls]
    strikes = [c.strike for _, _, c in ordered]
    if not strikes[0] < strikes[1] < strikes[2] < strikes[3]:
        return None, (
            f"{label} ({names}): strikes {'/'.join(f'{k:g}' for k in strikes)}; expected long "
            "put < short put < short call < long call"
        )
    n = abs(ordered[0][1].qty)
    for (_, f, _), sign, what in zip(ordered, _LEG_SIGNS, LEG_NAMES, strict=True):
        if f.qty * sign <= 0:
            return None, f"{label} ({names}): the {what} {f.contract.id} is {f.qty:+g}"
        if abs(f.qty) != n or n != int(n):
            return None, (
                f"{label} ({names}): quantities {'/'.join(f'{o[1].qty:+g}' for o in ordered)}; "
                "expected one whole number of contracts on every leg"
            )
    credit = sum(-sign * f.price for (_, f, _), sign in zip(ordered, _LEG_SIGNS, strict=True))
    if not credit > 0:
        return None, f"{label} ({names}): the average prices give a debit of {-credit:.2f}"
    opened = max(f.date for _, f, _ in ordered)
    if opened > day:
        return None, f"{label} ({names}): opened on {opened}, after the adoption day {day}"
    dte = (expiries[0] - day).days
    tier, why = _tier_of(cfg, f"{label} ({names})", ordered[0][1].tier, option, dte, day)
    if tier is None:
        return None, why
    a = Adoption(
        day=day,
        cid=cid,
        tier=tier,
        root=roots[0],
        expiry=expiries[0],
        strikes=(strikes[0], strikes[1], strikes[2], strikes[3]),
        qty=int(n),
        credit=round(credit, 10),  # average prices summed: no float dust in the journal
        open_date=opened,
        seqs=(ordered[0][0], ordered[1][0], ordered[2][0], ordered[3][0]),
        contracts=(ordered[0][2].id, ordered[1][2].id, ordered[2][2].id, ordered[3][2].id),
    )
    return a, ""


def adopt_condors(
    store: BookStore,
    name: str,
    facts: MarketFacts,
    *,
    tier: str | None = None,
    day: date | None = None,
    groups: Sequence[str] = (),
    accept_config_change: bool = False,
) -> AdoptResult:
    """Adopt the book's imported SPX/SPXW iron condors (one transaction; idempotent).

    Parameters
    ----------
    tier
        The tier of condors whose import has no tier column: a config tier's name or 0-based
        index (default: the tier whose DTE entry window holds the days to expiry).
    day
        The adoption day (default: the book's last stepped session, else the market data's
        last session); not before the last stepped session nor after the data's last.
    groups
        Adopt only these groups: an import's ``group`` value, or an expiry (YYYY-MM-DD) for
        lots imported without one. The other imported positions are left alone, whatever they
        are (default: every imported SPX/SPXW group, each of which must be an iron condor).

    Raises
    ------
    AdoptError
        If a group of imported SPX/SPXW lots is not an iron condor, its tier is unknown or
        ambiguous, a lot changed by fills since it was imported, the day is out of range, or
        the book holds nothing to adopt, or a group asked for is not among the imports.
        Nothing is written.
    """
    from alvh.book.contracts import SpxOption
    from alvh.live.context import current_config
    from alvh.live.fold import fill_of

    with store.begin() as conn:
        store.lock_book(conn, name)  # an advance's session and an adoption do not interleave
        cfg = current_config(store, conn, name, accept_change=accept_config_change).config
        option = _tier_option(cfg, tier)
        last = store.last_stepped(conn, name)
        when = day or last or facts.last_session
        if last is not None and when < last:
            raise AdoptError(
                f"--date {when}: book {name!r} was stepped through {last}; adopt on or after "
                "it (the step cannot take a condor over in sessions it has stepped)"
            )
        if when > facts.last_session:
            raise AdoptError(
                f"--date {when}: after the market data's last session {facts.last_session}"
            )
        events = store.events(conn, name, kinds=("fill", "import"))
        before = adoptions_of(store.journal_of_rule(conn, name, ADOPT_RULE))
        by_seq = {s: a.cid for a in before for s in a.seqs}
        touched = {
            fill_of(e.payload).key
            for e in events
            if e.kind == "fill" and "foreign" not in e.payload
        }
        # An expiry names the lots imported without a group.
        wanted = {g if _is_group_name(g) else f"expiry {g}" for g in groups}
        seen: set[str] = set()
        found: dict[tuple[str, str], list[tuple[int, Fill]]] = {}
        already: set[int] = set()
        expired: list[str] = []
        problems: list[str] = []
        for e in events:
            p = e.payload
            if e.kind != "import" or "foreign" in p:
                continue
            f = fill_of(p)
            c = f.contract
            if not isinstance(c, SpxOption):
                continue  # not a condor leg: left alone
            if c.expiry <= when:  # nothing left to manage: named (unless adopted), left alone
                if e.seq not in by_seq:
                    expired.append(f"{c.id} {f.qty:+g}")
                continue
            key = (f.tier, f.group) if f.group else (f.tier, f"expiry {c.expiry}")
            seen.add(key[1])
            if wanted and key[1] not in wanted:
                continue  # not asked for: left alone, whatever it is
            if e.seq in by_seq:
                already.add(by_seq[e.seq])
                continue
            if f.key in touched:
                problems.append(
                    f"{c.id} {f.qty:+g} (tier {f.tier!r}, group {f.group!r}): changed by "
                    "recorded fills since it was imported; adopt takes lots as imported"
                )
                continue
            found.setdefault(key, []).append((e.seq, f))
        missing = sorted(wanted - seen)
        if missing:
            raise AdoptError(
                f"book {name!r}: --group {', '.join(missing)} names no imported SPX/SPXW "
                f"group open after {when}; its groups: "
                + (", ".join(sorted(g.removeprefix("expiry ") for g in seen)) or "none")
            )
        adopted: list[Adoption] = []
        cid = ADOPTED_CID_BASE + len(before)
        for (tag, group), legs in sorted(found.items()):
            label = f"group {group!r}" if not group.startswith("expiry ") else group
            label += f" (tier {tag!r})"
            a, why = _condor(cfg, label, legs, option, when, cid)
            if a is None:
                problems.append(why)
            else:
                adopted.append(a)
                cid += 1
        if problems:
            raise AdoptError(
                f"book {name!r}: nothing adopted; imported SPX/SPXW positions that cannot be "
                "adopted as iron condors:\n  " + "\n  ".join(problems)
            )
        if not adopted and not already:
            raise AdoptError(
                f"book {name!r} holds no imported SPX/SPXW position open after {when} to adopt"
            )
        if adopted:
            rows: list[tuple[date, str, dict[str, Any]]] = [
                (when, "journal", adoption_event(a)) for a in adopted
            ]
            store.append(conn, name, rows, input_hash=None)
            store.touch_sessions(conn, name, [when], facts.data_id, "adopt")
    return AdoptResult(when, tuple(adopted), tuple(sorted(already)), tuple(expired))
