"""What each open lot holds on whose behalf: a fold over the tags its fills carry.

A fill may carry a strategy's tag, ``((label, qty), ...)``: which of the strategy's plans the
contracts it adds belong to (the hedge tags each allocation it buys, with its tranche and its
decision price). The lot keeps those parts in the order they were filled; a fill that reduces
the lot takes contracts from its oldest parts first (FIFO), whatever it is tagged with. The
parts of a lot always add up to its quantity; contracts added without a tag form a part whose
label is None. So a strategy's positions are folds over its fills, as the lot itself is.
"""

from __future__ import annotations

from collections.abc import Hashable

LotKey = tuple[str, str, str]  # (contract id, tier, group), as ``Fill.key``
Tag = tuple[tuple[Hashable, float], ...]  # ((label, qty), ...), qty signed like the fill
Part = tuple[int, Hashable, float]  # (fill number, label, qty held), qty signed like the lot

_EPS = 1e-9


def condor_group(cid: int) -> str:
    """Return the lot group of condor ``cid``'s legs in an account (``condor-<id>``): the
    engine's for the condors it opens, the live book's for those it adopts."""
    return f"condor-{cid}"


class LotTags:
    """The tagged parts of every lot that has ever had a tagged fill."""

    def __init__(self) -> None:
        self._parts: dict[LotKey, list[Part]] = {}

    def apply(self, key: LotKey, qty_before: float, fill_qty: float, tag: Tag, n: int) -> None:
        """Fold one fill (the account's ``n``-th) into the parts of lot ``key``.

        Untagged fills of a lot no tagged fill ever touched are not kept (condor legs).
        """
        parts = self._parts.get(key)
        if parts is None:
            if not tag:
                return
            parts = self._parts[key] = []
        add = fill_qty
        if qty_before != 0 and (qty_before > 0) != (fill_qty > 0):
            # Reducing (and maybe crossing zero): take from the oldest parts first.
            take = min(abs(fill_qty), abs(qty_before))
            while take > _EPS and parts:
                i, label, q = parts[0]
                if abs(q) <= take + _EPS:
                    parts.pop(0)
                    take -= abs(q)
                else:
                    parts[0] = (i, label, q - take if q > 0 else q + take)
                    take = 0.0
            add = qty_before + fill_qty if abs(fill_qty) > abs(qty_before) else 0.0
        if abs(add) <= _EPS:
            return
        for label, q in tag:  # the tagged parts, as far as the fill adds contracts
            if (q > 0) != (add > 0) or abs(add) <= _EPS:
                continue
            part = q if abs(q) <= abs(add) else add
            parts.append((n, label, part))
            add -= part
        if abs(add) > _EPS:
            parts.append((n, None, add))

    def of(self, key: LotKey) -> tuple[Part, ...]:
        """Return the parts of lot ``key`` in the order they were filled (empty if untagged)."""
        return tuple(self._parts.get(key, ()))
