"""Legs and the iron condor: terms validated on construction, payoff by arithmetic.

An iron condor is four SPX options of one expiry: long put < short put <= short call < long call
(equal shorts make an iron butterfly), each held in the same number of contracts. All money here is per the whole condor (``qty``
condors) unless the name says ``per_share`` (index points, as quoted).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

import numpy as np

from alvh._typing import ArrayLike, Float64Array
from alvh.book.contracts import Contract, SpxOption
from alvh.errors import AlvhError


class InvalidCondorError(AlvhError, ValueError):
    """Four legs that do not form an iron condor; the message says which rule failed."""


@dataclass(frozen=True, slots=True)
class Leg:
    """A contract and a signed quantity (positive long, negative short), in contracts."""

    contract: Contract
    qty: float

    def __post_init__(self) -> None:
        if self.qty == 0:
            raise ValueError(f"leg quantity must be non-zero ({self.contract.id})")


@dataclass(frozen=True, slots=True)
class IronCondor:
    """A short iron condor: ``qty`` x (long put, short put, short call, long call).

    Build it with ``IronCondor.from_strikes`` or ``IronCondor.from_legs``; both validate.

    Parameters
    ----------
    long_put, short_put, short_call, long_call
        The four SPX options (one root, one expiry).
    qty
        Number of condors, positive.
    """

    long_put: SpxOption
    short_put: SpxOption
    short_call: SpxOption
    long_call: SpxOption
    qty: float = 1.0

    def __post_init__(self) -> None:
        lp, sp, sc, lc = self.long_put, self.short_put, self.short_call, self.long_call
        names = ("long_put", "short_put", "short_call", "long_call")
        for name, opt, right in zip(names, (lp, sp, sc, lc), "PPCC", strict=True):
            if not isinstance(opt, SpxOption):
                raise InvalidCondorError(f"{name} must be an SPX/SPXW option, got {opt!r}")
            if opt.right != right:
                raise InvalidCondorError(f"{name} must be a {'put' if right == 'P' else 'call'}")
        if len({o.expiry for o in (lp, sp, sc, lc)}) != 1:
            exps = ", ".join(
                f"{n}={o.expiry}" for n, o in zip(names, (lp, sp, sc, lc), strict=True)
            )
            raise InvalidCondorError(f"all four legs must share one expiry; got {exps}")
        if len({o.root for o in (lp, sp, sc, lc)}) != 1:
            raise InvalidCondorError("all four legs must share one root (SPX or SPXW)")
        # Equal short strikes make an iron butterfly (CBOE's BFLY), a condor with no body.
        if not (lp.strike < sp.strike <= sc.strike < lc.strike):
            raise InvalidCondorError(
                "strikes must satisfy long put < short put <= short call < long call; got "
                f"{lp.strike:g} / {sp.strike:g} / {sc.strike:g} / {lc.strike:g}"
            )
        if not (self.qty > 0 and np.isfinite(self.qty)):
            raise InvalidCondorError(f"condor quantity must be positive, got {self.qty!r}")

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def from_strikes(
        cls,
        expiry: date,
        strikes: tuple[float, float, float, float],
        qty: float = 1.0,
        root: Literal["SPX", "SPXW"] = "SPXW",
    ) -> IronCondor:
        """Build a condor from (long put, short put, short call, long call) strikes."""
        if root not in ("SPX", "SPXW"):
            raise InvalidCondorError(f"root must be 'SPX' or 'SPXW', got {root!r}")
        lp, sp, sc, lc = strikes
        return cls(
            SpxOption(root, expiry, lp, "P"),
            SpxOption(root, expiry, sp, "P"),
            SpxOption(root, expiry, sc, "C"),
            SpxOption(root, expiry, lc, "C"),
            qty,
        )

    @classmethod
    def from_legs(cls, legs: list[Leg] | tuple[Leg, ...]) -> IronCondor:
        """Recognise a condor in four signed legs (any order); raise if they are not one."""
        if len(legs) != 4:
            raise InvalidCondorError(f"an iron condor has 4 legs, got {len(legs)}")
        opts: list[tuple[SpxOption, float]] = []
        for lg in legs:
            if not isinstance(lg.contract, SpxOption):
                raise InvalidCondorError(
                    f"condor legs must be SPX/SPXW options, got {lg.contract.id}"
                )
            opts.append((lg.contract, lg.qty))
        puts = sorted((o for o in opts if o[0].right == "P"), key=lambda o: o[0].strike)
        calls = sorted((o for o in opts if o[0].right == "C"), key=lambda o: o[0].strike)
        if len(puts) != 2 or len(calls) != 2:
            raise InvalidCondorError(
                f"an iron condor has 2 puts and 2 calls, got {len(puts)} puts and {len(calls)} calls"
            )
        want = (
            (puts[0], +1, "long put"),
            (puts[1], -1, "short put"),
            (calls[0], -1, "short call"),
            (calls[1], +1, "long call"),
        )
        for (opt, qty), sign, name in want:
            if np.sign(qty) != sign:
                raise InvalidCondorError(
                    f"the {name} ({opt.id}) must be {'long' if sign > 0 else 'short'}, got qty {qty:g}"
                )
        sizes = {abs(q) for _, q in opts}
        if len(sizes) != 1:
            raise InvalidCondorError(
                f"all legs must hold the same number of contracts, got {sorted(sizes)}"
            )
        return cls(puts[0][0], puts[1][0], calls[0][0], calls[1][0], float(sizes.pop()))

    # -- terms ------------------------------------------------------------------------------
    @property
    def expiry(self) -> date:
        """The common expiry."""
        return self.short_put.expiry

    @property
    def legs(self) -> tuple[Leg, Leg, Leg, Leg]:
        """Signed legs: +qty long put, -qty short put, -qty short call, +qty long call."""
        q = self.qty
        return (
            Leg(self.long_put, q),
            Leg(self.short_put, -q),
            Leg(self.short_call, -q),
            Leg(self.long_call, q),
        )

    @property
    def strikes(self) -> tuple[float, float, float, float]:
        """(long put, short put, short call, long call) strikes."""
        return (
            self.long_put.strike,
            self.short_put.strike,
            self.short_call.strike,
            self.long_call.strike,
        )

    @property
    def put_width(self) -> float:
        """Short put strike minus long put strike, index points."""
        return self.short_put.strike - self.long_put.strike

    @property
    def call_width(self) -> float:
        """Long call strike minus short call strike, index points."""
        return self.long_call.strike - self.short_call.strike

    @property
    def multiplier(self) -> float:
        """Dollars per index point per contract (100)."""
        return self.short_put.multiplier

    # -- risk -------------------------------------------------------------------------------
    def max_loss_usd(self, credit_per_share: float) -> float:
        """Return the loss at expiry in the worst case, in dollars for all ``qty`` condors.

        ``(max(put width, call width) - credit_per_share) x 100 x qty``. Only one side can
        finish in the money, so the wider wing bounds the loss.
        """
        width = max(self.put_width, self.call_width)
        return (width - credit_per_share) * self.multiplier * self.qty

    def break_evens(self, credit_per_share: float) -> tuple[float, float]:
        """Return (lower, upper) break-even settlements: short put - credit, short call + credit."""
        return (self.short_put.strike - credit_per_share, self.short_call.strike + credit_per_share)

    def payoff_usd(self, settlement: ArrayLike, credit_per_share: float = 0.0) -> Float64Array:
        """Return the P&L at expiry in dollars for each settlement value (vectorised).

        Parameters
        ----------
        settlement
            SPX settlement value(s), index points.
        credit_per_share
            Net credit received per condor, index points (0 gives the legs' intrinsic value).

        Returns
        -------
        numpy.ndarray
            ``(credit - put spread intrinsic - call spread intrinsic) x 100 x qty``.
        """
        s = np.asarray(settlement, dtype=np.float64)
        lp, sp, sc, lc = self.strikes
        put_spread = np.maximum(sp - s, 0.0) - np.maximum(lp - s, 0.0)
        call_spread = np.maximum(s - sc, 0.0) - np.maximum(s - lc, 0.0)
        return (credit_per_share - put_spread - call_spread) * self.multiplier * self.qty
