"""Margin: what capital a position ties up beyond the cash it already paid or received.

Rules (documented in docs/book-and-config.md):

- Defined-risk option groups (one underlying settlement, one expiry): the worst loss at expiry
  of the group's legs, minus the net premium received for them. For a short iron condor that is
  ``max(put width, call width) x 100 x qty - credit``. Long options and debit spreads need
  nothing beyond the premium already paid (their worst expiry value is >= 0).
- Uncovered short calls (never held by alvh's strategies) are charged their loss at a settlement
  of 1.5 x the group's highest strike, a crude stand-in for an exchange's naked-option rule.
- VX / VXM futures: a configured initial margin per contract (dollars).
- ETF shares: paid in full, no margin.
"""

from __future__ import annotations

from collections.abc import Mapping

from alvh._typing import BoolArray, Float64Array, Int64Array
from alvh.book.condor import IronCondor
from alvh.kernel.margin import option_group_margin

_NAKED_CALL_STRESS = 1.5


def condor_margin_usd(condor: IronCondor, credit_per_share: float) -> float:
    """Return the margin of a short iron condor: larger wing x 100 x qty minus the credit.

    This is its maximum loss; a credit wider than the wing leaves no margin (floored at 0).
    """
    return max(condor.max_loss_usd(credit_per_share), 0.0)


def option_group_margin_usd(
    strike: Float64Array,
    is_call: BoolArray,
    qty_mult: Float64Array,
    premium_paid_usd: Float64Array,
    group: Int64Array,
) -> float:
    """Return the total margin of option legs grouped by (settlement, expiry).

    The kernel's :func:`alvh.kernel.margin.option_group_margin` with the naked-call stress
    point at 1.5 x a group's top strike.

    Parameters
    ----------
    strike
        Strike of each leg.
    is_call
        True for calls.
    qty_mult
        Signed quantity x multiplier of each leg (dollars per point of intrinsic value).
    premium_paid_usd
        ``qty x avg entry price x multiplier`` of each leg (negative when premium was received).
    group
        Integer group code; legs that settle together share a code.

    Returns
    -------
    float
        Sum over groups of ``max(0, worst loss at expiry - net premium received)``.
    """
    return option_group_margin(
        strike, is_call, qty_mult, premium_paid_usd, group, _NAKED_CALL_STRESS
    )


def futures_margin_usd(
    products: list[str], qty: Float64Array, per_contract_usd: Mapping[str, float]
) -> float:
    """Return the initial margin of futures: ``|qty| x per-contract margin`` of their product."""
    total = 0.0
    for product, q in zip(products, qty, strict=True):
        if product not in per_contract_usd:
            raise KeyError(f"no initial margin configured for {product!r}")
        total += abs(float(q)) * per_contract_usd[product]
    return total
