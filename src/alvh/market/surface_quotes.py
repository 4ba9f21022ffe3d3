"""A surface backed by real option quotes, falling back to the model where there are none.

When the user imported option chains (``option_chains`` table), ``QuoteSurface`` answers the
same questions as ``SpxVolSurface`` from the day's quotes: for each quoted expiration it takes
the forward implied by put-call parity near the money, inverts out-of-the-money mids to implied
vols, and interpolates IV linearly in strike (flat beyond the outermost usable quotes). Any
``t_years`` that is not a quoted expiration (within half a day) gets the model's answer.

``surface_for(snap)`` picks the quote-backed surface when chains for the snapshot's day exist;
``quotes_for`` returns the day's bid, ask, mid and quality flags of given contracts (for marks
and limits that should use the quotes where a chain was imported). Rows flagged ``parity`` by
the importer are not used for the smile; crossed and zero-bid quotes never are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Final

import numpy as np
import pandas as pd

from alvh._typing import ArrayLike, Float64Array
from alvh.kernel.black import Greeks
from alvh.kernel.implied_vol import implied_vol
from alvh.market.surface import (
    DEFAULT_SURFACE_PARAMS,
    SpxVolSurface,
    SurfaceParams,
    solve_strike_for_delta,
    spot_greeks,
    t_years_between,
)

if TYPE_CHECKING:
    from alvh.market.snapshot import MarketSnapshot

_MATCH_T_YEARS: Final = 0.5 / 365.0  # a t_years within half a day of an expiry is that expiry
_MIN_QUOTES: Final = 3  # fewer usable OTM quotes than this: the model answers for that expiry
_PARITY_STRIKES: Final = 5  # strikes nearest the money used to read the forward off parity
SPX_ROOTS: Final = ("SPX", "SPXW")


def implied_vols(
    price: ArrayLike,
    forward: ArrayLike,
    strike: ArrayLike,
    t_years: ArrayLike,
    discount: ArrayLike,
    is_call: ArrayLike,
) -> Float64Array:
    """Return Black-76 implied vols of quotes; NaN where no vol fits the price.

    The kernel's solver (``alvh.kernel.implied_vol.implied_vol``) with its vols only: a price
    at or outside (discounted intrinsic, discounted upper bound), a non-positive time or a bad
    input has no implied vol.
    """
    return implied_vol(price, forward, strike, t_years, discount, is_call).vol


@dataclass(frozen=True)
class QuotedSmile:
    """One quoted expiration: its time, parity forward and IV by strike (increasing)."""

    expiry: pd.Timestamp
    t_years: float
    forward: float
    discount: float
    strikes: Float64Array
    vols: Float64Array


def smile_from_quotes(
    rows: pd.DataFrame, t_years: float, discount: float
) -> tuple[float, Float64Array, Float64Array] | None:
    """Return ``(forward, strikes, vols)`` of one expiry's quotes, or None when too few.

    The forward is the median of ``K + (C_mid - P_mid) / discount`` over the strikes nearest
    the money that have two-sided quotes on both rights; vols come from out-of-the-money mids
    (puts below the forward, calls at or above), skipping zero bids and crossed quotes.
    """
    q = rows[(rows["bid"] > 0.0) & (rows["ask"] >= rows["bid"])]
    mid = (q["bid"] + q["ask"]) / 2.0
    calls = mid[q["right"] == "C"].groupby(q.loc[q["right"] == "C", "strike"]).mean()
    puts = mid[q["right"] == "P"].groupby(q.loc[q["right"] == "P", "strike"]).mean()
    both = calls.index.intersection(puts.index)
    if len(both) == 0 or t_years <= 0.0:
        return None
    spot = float(rows["underlying"].iloc[0])
    near = both[np.argsort(np.abs(both.to_numpy() - spot))[:_PARITY_STRIKES]]
    fwd = float(np.median(near.to_numpy() + (calls[near] - puts[near]).to_numpy() / discount))
    otm_puts = puts[puts.index < fwd]
    otm_calls = calls[calls.index >= fwd]
    strikes = np.concatenate([otm_puts.index.to_numpy(), otm_calls.index.to_numpy()])
    prices = np.concatenate([otm_puts.to_numpy(), otm_calls.to_numpy()])
    is_call = np.concatenate([np.zeros(len(otm_puts), bool), np.ones(len(otm_calls), bool)])
    vols = implied_vols(prices, fwd, strikes, t_years, discount, is_call)
    keep = np.isfinite(vols)
    if keep.sum() < _MIN_QUOTES:
        return None
    return fwd, strikes[keep].astype(np.float64), vols[keep]


@dataclass(frozen=True)
class QuoteSurface:
    """SPX surface from the day's quoted chains, the model where nothing is quoted.

    Same interface as ``SpxVolSurface``: ``spot``, ``as_of``, ``forward``, ``discount``, ``iv``,
    ``atm_vol``, ``greeks``, ``strike_for_delta``, ``t_years``.

    Attributes
    ----------
    model
        The model surface of the same day (fallback).
    smiles
        Quoted expirations, by increasing ``t_years``.
    """

    model: SpxVolSurface
    smiles: tuple[QuotedSmile, ...]

    @property
    def spot(self) -> float:
        return self.model.spot

    @property
    def as_of(self) -> pd.Timestamp:
        return self.model.as_of

    @classmethod
    def from_snapshot(
        cls, snap: MarketSnapshot, params: SurfaceParams = DEFAULT_SURFACE_PARAMS
    ) -> QuoteSurface:
        """Build from the SPX/SPXW chain rows quoted on the snapshot's SPX day.

        Rows of the root ``SPX`` are AM-settled, ``SPXW`` PM-settled. Chains quoted on earlier
        days are not used (a stale quote would hide a day's move).
        """
        model = SpxVolSurface.from_snapshot(snap, params)
        day = model.valuation_time.normalize()
        chains = snap.known("option_chains")
        rows = chains[(chains["quote_date"] == day) & chains["root"].isin(SPX_ROOTS)]
        if "quality" in rows:
            # Quotes a conversion/reversal would arbitrage are left out (kept in the store).
            rows = rows[~rows["quality"].fillna("").astype(str).str.contains("parity")]
        smiles: list[QuotedSmile] = []
        for (root, expiry), g in rows.groupby(["root", "expiry"], sort=True):
            expiry_ts = pd.Timestamp(str(expiry))
            t = t_years_between(model.valuation_time, expiry_ts, am_settled=root == "SPX")
            if t <= 0.0:
                continue
            df = float(model.discount(t))
            fitted = smile_from_quotes(g, t, df)
            if fitted is not None:
                fwd, ks, vols = fitted
                smiles.append(QuotedSmile(expiry_ts, t, fwd, df, ks, vols))
        smiles.sort(key=lambda s: s.t_years)
        return cls(model=model, smiles=tuple(smiles))

    def _per_t(
        self,
        t_years: ArrayLike,
        quoted: Callable[[QuotedSmile], float],
        modelled: Callable[[Float64Array], Float64Array],
    ) -> Float64Array:
        # quoted(smile) where t matches a quoted expiry, modelled(t) elsewhere.
        t = np.asarray(t_years, dtype=np.float64)
        out = np.asarray(modelled(t), dtype=np.float64).copy()
        best = np.full(t.shape, _MATCH_T_YEARS)
        for s in self.smiles:  # the nearest quoted expiry wins (SPX AM vs SPXW PM, same day)
            gap = np.abs(t - s.t_years)
            hit = gap <= best
            if np.any(hit):
                out = np.where(hit, quoted(s), out)
                best = np.where(hit, gap, best)
        return out

    def t_years(self, expiry: date | pd.Timestamp, am_settled: bool | None = None) -> float:
        """Return the year fraction to ``expiry`` (same convention as the model)."""
        return self.model.t_years(expiry, am_settled)

    def forward(self, t_years: ArrayLike) -> Float64Array:
        """Return the parity forward of a quoted expiry, else the model forward."""
        return self._per_t(t_years, lambda s: s.forward, self.model.forward)

    def discount(self, t_years: ArrayLike) -> Float64Array:
        """Return the discount factor (the model's rate; quotes do not change it)."""
        return self.model.discount(t_years)

    def iv(self, t_years: ArrayLike, strikes: ArrayLike) -> Float64Array:
        """Return quoted IV interpolated in strike where quoted, else the model's IV."""
        # Copies: broadcast views are read-only, and numba warns when handed one.
        t, k = (
            np.array(a)
            for a in np.broadcast_arrays(
                np.asarray(t_years, dtype=np.float64), np.asarray(strikes, dtype=np.float64)
            )
        )
        out = np.asarray(self.model.iv(t, k), dtype=np.float64).copy()
        best = np.full(t.shape, _MATCH_T_YEARS)
        for s in self.smiles:  # the nearest quoted expiry wins, as in ``_per_t``
            gap = np.abs(t - s.t_years)
            hit = gap <= best
            if np.any(hit):
                out[hit] = np.interp(k[hit], s.strikes, s.vols)
                best = np.where(hit, gap, best)
        return out

    def atm_vol(self, t_years: ArrayLike) -> Float64Array:
        """Return the IV at the forward (quoted where quoted)."""
        t = np.asarray(t_years, dtype=np.float64)
        return self.iv(t, self.forward(t))

    def greeks(self, t_years: ArrayLike, strikes: ArrayLike, is_call: ArrayLike) -> Greeks:
        """Return price and greeks per unit of SPX at the quoted (or model) vols."""
        return spot_greeks(self, t_years, strikes, is_call)

    def strike_for_delta(self, t_years: float, target_delta: float, is_call: bool) -> float:
        """Return the strike with spot delta ``target_delta`` on this surface's smile."""
        return solve_strike_for_delta(self, t_years, target_delta, is_call)


def surface_for(
    snap: MarketSnapshot, params: SurfaceParams = DEFAULT_SURFACE_PARAMS
) -> SpxVolSurface | QuoteSurface:
    """Return the quote-backed surface when the snapshot's day has SPX quotes, else the model.

    Raises
    ------
    alvh.errors.NoDataError
        If the model inputs (SPX, VIX, a rate) are not known at ``snap.as_of``.
    """
    chains = snap.known("option_chains")
    if not chains.empty:
        surf = QuoteSurface.from_snapshot(snap, params)
        if surf.smiles:
            return surf
        return surf.model
    return SpxVolSurface.from_snapshot(snap, params)


def quotes_for(
    chains: pd.DataFrame,
    day: pd.Timestamp,
    expiry: pd.Timestamp,
    strikes: ArrayLike,
    is_call: bool,
) -> pd.DataFrame:
    """Return the quotes of ``day`` for one SPX expiry and right, one row per strike.

    On an expiry quoted under both roots, the standard monthly (AM) expiration takes ``SPX``,
    any other ``SPXW`` (``alvh.market.surface.is_am_settled``).

    Parameters
    ----------
    chains
        Canonical ``option_chains`` rows (known at the valuation time).
    day, expiry
        Quote date and expiration (midnight timestamps).
    strikes
        Strikes wanted.
    is_call
        Calls (True) or puts.

    Returns
    -------
    pandas.DataFrame
        Columns ``strike``, ``root``, ``bid``, ``ask``, ``mid`` (NaN when the bid is zero or
        the quote crossed) and ``quality``; NaN/empty where the strike is not quoted.
    """
    from alvh.market.surface import is_am_settled

    ks = np.asarray(strikes, dtype=np.float64).reshape(-1)
    rows = chains[
        (chains["quote_date"] == day)
        & (chains["expiry"] == expiry)
        & (chains["right"] == ("C" if is_call else "P"))
        & chains["root"].isin(SPX_ROOTS)
    ]
    roots = set(rows["root"])
    if len(roots) > 1:
        rows = rows[rows["root"] == ("SPX" if is_am_settled(expiry) else "SPXW")]
    by_strike = rows.drop_duplicates("strike").set_index("strike")
    got = by_strike.reindex(ks)
    bid, ask = got["bid"].to_numpy(np.float64), got["ask"].to_numpy(np.float64)
    usable = (bid > 0.0) & (ask >= bid)
    quality = got["quality"] if "quality" in got else pd.Series("", index=got.index)
    return pd.DataFrame(
        {
            "strike": ks,
            "root": got["root"].fillna("").astype(str).to_numpy(),
            "bid": bid,
            "ask": ask,
            "mid": np.where(usable, (bid + ask) / 2.0, np.nan),
            "quality": quality.fillna("").astype(str).to_numpy(),
        }
    )
