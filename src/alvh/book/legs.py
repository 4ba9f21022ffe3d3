"""The slot codes of ``Account``'s arrays and ``OpenLegs``, the array view of its open lots."""

from __future__ import annotations

from dataclasses import dataclass

from alvh._typing import BoolArray, Float64Array, Int64Array
from alvh.book.contracts import Contract, EtfShare, SpxOption, VixFuture, VixOption

# Kind codes of the slot arrays.
SPX_OPTION, VIX_OPTION, VX_FUTURE, ETF = 0, 1, 2, 3
NO_EXPIRY_ORDINAL = 10**9  # the expiry column of a lot that never expires (ETF shares)
# Settlement codes of the slot arrays (``OpenLegs.settle_code``).
SETTLE_SPX_AM, SETTLE_SPX_PM, SETTLE_VIX_SOQ, SETTLE_NEVER = 0, 1, 2, 3
SETTLE_CODE_BY_KEY = {"SPX:AM": SETTLE_SPX_AM, "SPX:PM": SETTLE_SPX_PM, "VIX:SOQ": SETTLE_VIX_SOQ}


@dataclass(frozen=True, slots=True)
class OpenLegs:
    """Arrays describing open lots, for vectorised marking (all of length n, aligned)."""

    slot: Int64Array
    kind: Int64Array
    qty: Float64Array
    multiplier: Float64Array
    strike: Float64Array
    is_call: BoolArray
    expiry_ordinal: Int64Array
    tier_code: Int64Array
    group_code: Int64Array  # see ``Account.group_code``
    settle_code: Int64Array  # 0 SPX AM, 1 SPX PM, 2 VIX SOQ, 3 never settles


def read_only(legs: OpenLegs) -> OpenLegs:
    """Freeze the arrays of a view and return it (callers share a cached view until the
    account's next fill).

    Parameters
    ----------
    legs
        A view whose arrays are its own.
    """
    for name in OpenLegs.__dataclass_fields__:
        getattr(legs, name).flags.writeable = False
    return legs


def of_kinds(legs: OpenLegs, kinds: tuple[int, ...]) -> OpenLegs:
    """Return the legs of some kinds (the same object when every leg is of those kinds).

    Parameters
    ----------
    legs
        A read-only view.
    kinds
        Kind codes (``SPX_OPTION`` ...), at least one.
    """
    of_kind = legs.kind == kinds[0]
    for k in kinds[1:]:
        of_kind |= legs.kind == k
    if of_kind.all():
        return legs
    return read_only(OpenLegs(*(getattr(legs, f)[of_kind] for f in OpenLegs.__dataclass_fields__)))


def kind_code(c: Contract) -> int:
    """Return the kind code of a contract's slot (``SPX_OPTION`` ... ``ETF``).

    Parameters
    ----------
    c
        A contract; anything else raises ``TypeError``.
    """
    if isinstance(c, SpxOption):
        return SPX_OPTION
    if isinstance(c, VixOption):
        return VIX_OPTION
    if isinstance(c, VixFuture):
        return VX_FUTURE
    if isinstance(c, EtfShare):
        return ETF
    raise TypeError(f"not a contract: {c!r}")
