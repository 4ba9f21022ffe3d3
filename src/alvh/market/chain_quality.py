"""Quality flags of option quotes: crossed, zero bid, stale, put-call parity.

Flags never remove a row: importers store them in the ``quality`` column of ``option_chains``
(flag names joined by ``|``, empty when clean) and ``alvh data import``/``status`` count them
per quote date. Pricing from quotes skips crossed and parity-flagged rows (see
``alvh.market.surface_quotes``).

Rules (definitions and tolerances are documented in docs/data.md)
------------------------------------------------------------------
crossed
    ``bid > ask``.
zero_bid
    ``bid == 0``: nobody bids; the mid is not a price anyone can trade.
stale
    Untraded (volume 0 or not given), far from the money (``|ln(K/S)| >
    max(10%, 3 x 20% x sqrt(T))``, ``T`` in calendar days / 365), and either a quoted side has
    zero size (layouts with sizes: DataShop, OptionsDX) or, for a file of several quote dates,
    bid and ask are exactly those of the previous quote date.
parity
    Per quote date, root and expiry: ``C - P = DF (F - K)`` is fitted on the strikes within 5%
    of the underlying (at least the 10 nearest) that have two-sided quotes on both rights
    (Theil-Sen line of
    mid ``C - P`` on ``K``: slope ``-DF``, intercept ``DF F``; with fewer than 4 such strikes
    ``DF = exp(-rate T)`` and ``DF F`` is the median). A strike is flagged, call and put, when
    ``|C_mid - P_mid - DF (F - K)|`` exceeds the half-spreads of both plus
    ``parity_tolerance_usd`` (default 0.05, one SPX tick): a conversion or reversal there
    would lock in money, so one of the two quotes is off.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, NamedTuple

import numpy as np
import pandas as pd

QUALITY_FLAGS: Final = ("crossed", "zero_bid", "stale", "parity")
"""Flags, in report order."""

PARITY_TOLERANCE_USD: Final = 0.05  # one SPX tick below $3, per option price unit
STALE_MIN_LOG_MONEYNESS: Final = 0.10
STALE_REFERENCE_VOL: Final = 0.20
STALE_STDEVS: Final = 3.0
PARITY_NEAR_STRIKES: Final = 10
PARITY_NEAR_LOG_MONEYNESS: Final = 0.05
_MIN_FIT_STRIKES: Final = 4


@dataclass(frozen=True)
class ParityFit:
    """Parity line of one quote date, root and expiry: ``C - P = discount (forward - K)``."""

    quote_date: pd.Timestamp
    root: str
    expiry: pd.Timestamp
    forward: float
    discount: float
    n_strikes: int


def _years(chains: pd.DataFrame) -> np.ndarray:
    days = (chains["expiry"] - chains["quote_date"]).dt.days.to_numpy(np.float64)
    return np.maximum(days, 0.0) / 365.0


def _far_from_money(chains: pd.DataFrame) -> np.ndarray:
    t = _years(chains)
    bound = np.maximum(STALE_MIN_LOG_MONEYNESS, STALE_STDEVS * STALE_REFERENCE_VOL * np.sqrt(t))
    k = chains["strike"].to_numpy(np.float64)
    s = chains["underlying"].to_numpy(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        far: np.ndarray = np.abs(np.log(k / s)) > bound
    return far


def _unchanged_from_previous_date(chains: pd.DataFrame) -> np.ndarray:
    contract = ["root", "expiry", "right", "strike"]
    ordered = chains.sort_values([*contract, "quote_date"], kind="mergesort")
    same = ordered[contract].eq(ordered[contract].shift()).all(axis=1)
    unchanged = (ordered["bid"] == ordered["bid"].shift()) & (
        ordered["ask"] == ordered["ask"].shift()
    )
    out = np.zeros(len(chains), bool)
    out[ordered.index[(same & unchanged & (ordered["bid"] > 0.0)).to_numpy()]] = True
    return out


def theil_sen_slope(x: np.ndarray, y: np.ndarray) -> float:
    """Return the Theil-Sen slope: the median of the slopes of all pairs with distinct x.

    The estimator of ``scipy.stats.theilslopes`` (pinned to it in tests) without its
    confidence interval and argument checks, which cost ~7 ms a call: 30 expiries x 21 days
    of a chain month is 630 calls.
    """
    i, j = np.triu_indices(len(x), 1)
    dx = x[j] - x[i]
    keep = dx != 0.0
    return float(np.median((y[j] - y[i])[keep] / dx[keep]))


class ParityStrikes(NamedTuple):
    """Strikes of one expiry whose call and put both have two-sided, uncrossed quotes."""

    strike: np.ndarray
    c_bid: np.ndarray
    c_ask: np.ndarray
    p_bid: np.ndarray
    p_ask: np.ndarray
    c_pos: np.ndarray  # row positions in the frame given to ``parity_fits``
    p_pos: np.ndarray


def parity_fits(chains: pd.DataFrame, rate: float = 0.0) -> list[tuple[ParityFit, ParityStrikes]]:
    """Return the parity line of each quote date, root and expiry, with its strikes.

    Groups with fewer than 3 strikes quoted two-sided on both rights are skipped.
    """
    c = chains.reset_index(drop=True)
    ok = ((c["bid"] > 0.0) & (c["ask"] >= c["bid"])).to_numpy()
    two = c.loc[ok, ["quote_date", "root", "expiry", "strike", "right", "bid", "ask"]]
    two = two.assign(pos=np.flatnonzero(ok), underlying=c.loc[ok, "underlying"].to_numpy())
    keys = ["quote_date", "root", "expiry", "strike"]
    calls = two[two["right"] == "C"].drop_duplicates(keys)
    puts = two[two["right"] == "P"].drop_duplicates(keys)
    both = calls.merge(puts[[*keys, "bid", "ask", "pos"]], on=keys, suffixes=("_c", "_p"))
    both = both.sort_values(keys, kind="mergesort").reset_index(drop=True)
    gid = both.groupby(keys[:3], sort=False).ngroup().to_numpy()
    bounds = np.flatnonzero(np.diff(gid, prepend=-1, append=-1))
    k_all = both["strike"].to_numpy(np.float64)
    cb_all, ca_all = both["bid_c"].to_numpy(np.float64), both["ask_c"].to_numpy(np.float64)
    pb_all, pa_all = both["bid_p"].to_numpy(np.float64), both["ask_p"].to_numpy(np.float64)
    cpos_all, ppos_all = both["pos_c"].to_numpy(np.int64), both["pos_p"].to_numpy(np.int64)
    spot_all = both["underlying"].to_numpy(np.float64)
    qd_all, root_all, exp_all = both["quote_date"], both["root"], both["expiry"]
    out: list[tuple[ParityFit, ParityStrikes]] = []
    for a, b in itertools.pairwise(bounds):
        if b - a < 3:
            continue
        k = k_all[a:b]
        diff = (cb_all[a:b] + ca_all[a:b] - pb_all[a:b] - pa_all[a:b]) / 2.0
        spot = spot_all[a]
        # The nearest strikes, and every strike within 5% of the underlying: a wide span
        # pins the slope (DF) that quotes rounded to a tick leave loose over a few strikes.
        order = np.argsort(np.abs(k - spot), kind="mergesort")
        within = np.abs(np.log(k[order] / spot)) <= PARITY_NEAR_LOG_MONEYNESS
        near = order[: max(PARITY_NEAR_STRIKES, int(within.sum()))]
        qd, exp = pd.Timestamp(qd_all.iloc[a]), pd.Timestamp(exp_all.iloc[a])
        t = max((exp - qd).days, 0) / 365.0
        if len(near) >= _MIN_FIT_STRIKES:
            slope = theil_sen_slope(k[near], diff[near])
            df = float(np.clip(-slope, 0.5, 1.0 + 1e-3))
        else:
            df = float(np.exp(-rate * t))
        level = float(np.median(diff[near] + df * k[near]))  # DF * F
        fit = ParityFit(qd, str(root_all.iloc[a]), exp, level / df, df, len(near))
        strikes = ParityStrikes(
            k,
            cb_all[a:b],
            ca_all[a:b],
            pb_all[a:b],
            pa_all[a:b],
            cpos_all[a:b],
            ppos_all[a:b],
        )
        out.append((fit, strikes))
    return out


def validate_chains(
    chains: pd.DataFrame,
    rate: float = 0.0,
    parity_tolerance_usd: float = PARITY_TOLERANCE_USD,
    bid_size: np.ndarray | None = None,
    ask_size: np.ndarray | None = None,
) -> pd.DataFrame:
    """Flag suspicious quotes in a canonical ``option_chains`` frame (module docstring rules).

    Parameters
    ----------
    chains
        Canonical option chains (any number of quote dates, roots and expiries).
    rate
        Continuous rate (decimal) for the parity discount when too few strikes fit a line.
    parity_tolerance_usd
        Slack of the parity rule beyond the two half-spreads, in option price units.
    bid_size, ask_size
        Quote sizes per row where the layout has them (the ``stale`` rule).

    Returns
    -------
    pandas.DataFrame
        Columns ``rule``, ``row`` (position in ``chains``), ``values`` (the numbers that broke
        the rule, as text); empty when nothing is flagged.
    """
    c = chains.reset_index(drop=True)
    found: list[pd.DataFrame] = []

    def add(rule: str, mask: np.ndarray, text: Callable[[np.ndarray], list[str]]) -> None:
        # The text is made for the flagged rows only (a month of quotes has 10^5-10^6 rows).
        rows = np.flatnonzero(mask)
        if len(rows):
            found.append(pd.DataFrame({"rule": rule, "row": rows, "values": text(rows)}))

    bid, ask = c["bid"].to_numpy(np.float64), c["ask"].to_numpy(np.float64)
    vol = c["volume"].to_numpy(np.float64)

    def quote(rows: np.ndarray) -> list[str]:
        return [f"bid={bid[i]:g} ask={ask[i]:g}" for i in rows]

    add("crossed", bid > ask, quote)
    add("zero_bid", bid == 0.0, quote)

    untraded = ~(vol > 0.0)
    evidence = _unchanged_from_previous_date(c)
    bs = np.full(len(c), np.nan) if bid_size is None else np.asarray(bid_size, np.float64)
    asz = np.full(len(c), np.nan) if ask_size is None else np.asarray(ask_size, np.float64)
    if bid_size is not None and ask_size is not None:
        evidence |= ((bid > 0.0) & (bs == 0.0)) | ((ask > 0.0) & (asz == 0.0))

    def stale_text(rows: np.ndarray) -> list[str]:
        return [
            f"bid={bid[i]:g} ask={ask[i]:g} volume={vol[i]:g}"
            + ("" if np.isnan(bs[i]) else f" size={bs[i]:g}x{asz[i]:g}")
            for i in rows
        ]

    add("stale", untraded & _far_from_money(c) & evidence, stale_text)

    parity_mask = np.zeros(len(c), bool)
    parity_text = np.full(len(c), "", dtype=object)
    for fit, tab in parity_fits(c, rate):
        k, cb, ca, pb, pa = tab.strike, tab.c_bid, tab.c_ask, tab.p_bid, tab.p_ask
        carry = fit.discount * (fit.forward - k)
        low, high = cb - pa - parity_tolerance_usd, ca - pb + parity_tolerance_usd
        for i in np.flatnonzero((carry < low) | (carry > high)):
            msg = (
                f"K={k[i]:g} C={cb[i]:g}/{ca[i]:g} P={pb[i]:g}/{pa[i]:g} "
                f"DF(F-K)={carry[i]:.2f} outside [{low[i]:.2f}, {high[i]:.2f}]"
            )
            for pos in (int(tab.c_pos[i]), int(tab.p_pos[i])):
                parity_mask[pos] = True
                parity_text[pos] = msg
    add("parity", parity_mask, lambda rows: list(parity_text[rows]))
    if not found:
        return pd.DataFrame(
            {"rule": pd.Series(dtype=object), "row": pd.Series(dtype=np.int64), "values": ""}
        ).iloc[:0]
    return pd.concat(found, ignore_index=True)


def quality_flags(
    chains: pd.DataFrame,
    bid_size: np.ndarray | None = None,
    ask_size: np.ndarray | None = None,
) -> np.ndarray:
    """Return each row's flags joined by ``|`` in ``QUALITY_FLAGS`` order ('' when clean)."""
    report = validate_chains(chains, bid_size=bid_size, ask_size=ask_size)
    out = np.full(len(chains), "", dtype=object)
    for rule in QUALITY_FLAGS:
        rows = report.loc[report["rule"] == rule, "row"].to_numpy(np.int64)
        out[rows] = np.where(out[rows] == "", rule, out[rows] + "|" + rule)
    return out


def quality_counts(chains: pd.DataFrame) -> pd.DataFrame:
    """Count rows and flags per quote date of stored chains.

    Returns
    -------
    pandas.DataFrame
        One row per quote date: ``quote_date``, ``rows`` and one count column per flag.
    """
    dates = pd.DatetimeIndex(chains["quote_date"]).normalize()
    quality = chains.get("quality", pd.Series("", index=chains.index)).fillna("").astype(str)
    frame = pd.DataFrame({"quote_date": dates, "rows": 1})
    for flag in QUALITY_FLAGS:
        frame[flag] = quality.str.contains(rf"(?:^|\|){flag}(?:\||$)").astype(int)
    return frame.groupby("quote_date", sort=True).sum().reset_index()
