"""Real option chains: importers for end-of-day layouts and a quote validator.

Each importer reads one file and returns a canonical ``option_chains`` frame
(``alvh.market.schema.OPTION_CHAINS``: quote_date, root, expiry, strike, right, bid, ask,
underlying, volume, open_interest, known_at at 16:15 ET of the quote date). A row that cannot be
read raises ``DataFormatError`` naming the file, the 1-based line (header = line 1), the column,
the value and what was expected; nothing is returned half-read.

Layouts
-------
- OptionsDX (wide: one row per strike with both rights): ``[QUOTE_DATE]``, ``[UNDERLYING_LAST]``,
  ``[EXPIRE_DATE]``, ``[C_BID]``, ``[C_ASK]``, ``[STRIKE]``, ``[P_BID]``, ``[P_ASK]``, optional
  ``[C_VOLUME]``/``[P_VOLUME]``. The root is not in the file: standard third-Friday expirations
  are taken as ``SPX`` (AM-settled), all others as ``SPXW``.
- CBOE DataShop (long): ``underlying_symbol, quote_date, root, expiration, strike, option_type``
  and either ``bid_1545/ask_1545`` (preferred: consistent with ``underlying_bid/ask_1545``) or
  ``bid_eod/ask_eod``; ``trade_volume`` and ``open_interest`` when present.
- HistoricalOptionData style (the calibration sample): ``underlying, underlying_last,
  optionroot, type, expiration, quotedate, strike, bid, ask, volume, openinterest``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from alvh.calendar.expiries import spx_monthly_expiry
from alvh.errors import DataFormatError
from alvh.market.schema import CHAIN_TIME, OPTION_CHAINS, at_time

_HEADER_LINES: Final = 1  # data row i (0-based) is on file line i + 2


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path, dtype=str, skipinitialspace=True, keep_default_na=False)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as e:
        raise DataFormatError(path, None, None, None, f"a readable CSV file ({e})") from None


def _require(frame: pd.DataFrame, path: Path, columns: tuple[str, ...], layout: str) -> None:
    for col in columns:
        if col not in frame.columns:
            raise DataFormatError(
                path,
                1,
                col,
                None,
                f"a '{col}' column ({layout} layout); found {list(frame.columns)}",
            )


def _bad(path: Path, frame: pd.DataFrame, mask: np.ndarray, col: str, expected: str) -> None:
    if np.any(mask):
        i = int(np.flatnonzero(mask)[0])
        raise DataFormatError(path, i + _HEADER_LINES + 1, col, frame[col].iloc[i], expected)


def _numbers(
    path: Path, frame: pd.DataFrame, col: str, *, nonneg: bool = True, optional: bool = False
) -> np.ndarray:
    raw = frame[col].astype(str).str.strip()
    values = pd.to_numeric(raw, errors="coerce").to_numpy(np.float64)
    blank = raw == ""
    bad = np.isnan(values) & ~(blank.to_numpy() & optional)
    _bad(path, frame, bad, col, "a number")
    if nonneg:
        _bad(path, frame, values < 0, col, "a number >= 0")
    return values


def _dates(path: Path, frame: pd.DataFrame, col: str) -> pd.Series:
    raw = frame[col].astype(str).str.strip().str.slice(0, 10)
    parsed = pd.to_datetime(raw, errors="coerce", format="mixed")
    _bad(path, frame, parsed.isna().to_numpy(), col, "a date such as 2018-01-31")
    return parsed.dt.normalize()


def _canonical(
    quote_date: pd.Series,
    root: pd.Series | str,
    expiry: pd.Series,
    strike: np.ndarray,
    right: pd.Series | str,
    bid: np.ndarray,
    ask: np.ndarray,
    underlying: np.ndarray,
    volume: np.ndarray | None = None,
    open_interest: np.ndarray | None = None,
) -> pd.DataFrame:
    n = len(strike)
    nan = np.full(n, np.nan)
    frame = pd.DataFrame(
        {
            "quote_date": quote_date.to_numpy(),
            "root": root if isinstance(root, str) else root.to_numpy(),
            "expiry": expiry.to_numpy(),
            "strike": strike,
            "right": right if isinstance(right, str) else right.to_numpy(),
            "bid": bid,
            "ask": ask,
            "underlying": underlying,
            "volume": nan if volume is None else volume,
            "open_interest": nan if open_interest is None else open_interest,
            "known_at": at_time(pd.DatetimeIndex(quote_date), CHAIN_TIME).to_numpy(),
        }
    )
    return OPTION_CHAINS.conform(frame)


def _check_expiry_order(
    path: Path, frame: pd.DataFrame, q: pd.Series, e: pd.Series, col: str
) -> None:
    _bad(path, frame, (e < q).to_numpy(), col, "an expiration on or after the quote date")


def read_hod_chains(path: str | Path) -> pd.DataFrame:
    """Read a HistoricalOptionData-style chain file (long: one row per option).

    Parameters
    ----------
    path
        CSV file (optionally gzip-compressed).

    Returns
    -------
    pandas.DataFrame
        Canonical ``option_chains`` rows.

    Raises
    ------
    DataFormatError
        On a missing column or a row that cannot be read.
    """
    path = Path(path)
    f = _read_csv(path)
    cols = (
        "underlying",
        "underlying_last",
        "type",
        "expiration",
        "quotedate",
        "strike",
        "bid",
        "ask",
    )
    _require(f, path, cols, "HistoricalOptionData")
    kind = f["type"].str.strip().str.lower()
    _bad(path, f, ~kind.isin(("call", "put")).to_numpy(), "type", "'call' or 'put'")
    q, e = _dates(path, f, "quotedate"), _dates(path, f, "expiration")
    _check_expiry_order(path, f, q, e, "expiration")
    return _canonical(
        q,
        f["underlying"].str.strip().str.upper(),
        e,
        _numbers(path, f, "strike"),
        kind.map({"call": "C", "put": "P"}),
        _numbers(path, f, "bid"),
        _numbers(path, f, "ask"),
        _numbers(path, f, "underlying_last"),
        _numbers(path, f, "volume", optional=True) if "volume" in f else None,
        _numbers(path, f, "openinterest", optional=True) if "openinterest" in f else None,
    )


def _optionsdx_root(expiry: pd.Series) -> pd.Series:
    def root(d: pd.Timestamp) -> str:
        d = pd.Timestamp(d)
        return "SPX" if d.date() == spx_monthly_expiry(d.year, d.month) else "SPXW"

    unique = {d: root(d) for d in pd.unique(expiry)}
    return expiry.map(unique)


def read_optionsdx_chains(path: str | Path) -> pd.DataFrame:
    """Read an OptionsDX end-of-day file (wide: calls and puts side by side per strike).

    Column names keep OptionsDX's brackets (``[C_BID]``); surrounding spaces are ignored.

    Raises
    ------
    DataFormatError
        On a missing column or a row that cannot be read.
    """
    path = Path(path)
    f = _read_csv(path)
    f.columns = [c.strip() for c in f.columns]
    need: tuple[str, ...] = ("[QUOTE_DATE]", "[UNDERLYING_LAST]", "[EXPIRE_DATE]", "[STRIKE]")
    need += ("[C_BID]", "[C_ASK]", "[P_BID]", "[P_ASK]")
    _require(f, path, need, "OptionsDX")
    q, e = _dates(path, f, "[QUOTE_DATE]"), _dates(path, f, "[EXPIRE_DATE]")
    _check_expiry_order(path, f, q, e, "[EXPIRE_DATE]")
    strike = _numbers(path, f, "[STRIKE]")
    under = _numbers(path, f, "[UNDERLYING_LAST]")
    root = _optionsdx_root(e)
    sides = []
    for right in ("C", "P"):
        vol_col = f"[{right}_VOLUME]"
        sides.append(
            _canonical(
                q,
                root,
                e,
                strike,
                right,
                _numbers(path, f, f"[{right}_BID]"),
                _numbers(path, f, f"[{right}_ASK]"),
                under,
                _numbers(path, f, vol_col, optional=True) if vol_col in f else None,
            )
        )
    return OPTION_CHAINS.conform(pd.concat(sides, ignore_index=True))


def read_cboe_datashop_chains(path: str | Path) -> pd.DataFrame:
    """Read a CBOE DataShop option EOD summary file (long: one row per option).

    Uses the 15:45 quotes (``bid_1545``/``ask_1545`` with the underlying mid at 15:45) when the
    file has them, else the end-of-day quotes (``bid_eod``/``ask_eod``).

    Raises
    ------
    DataFormatError
        On a missing column or a row that cannot be read.
    """
    path = Path(path)
    f = _read_csv(path)
    _require(
        f, path, ("quote_date", "root", "expiration", "strike", "option_type"), "CBOE DataShop"
    )
    stamp = "1545" if "bid_1545" in f else "eod"
    bid_col, ask_col = f"bid_{stamp}", f"ask_{stamp}"
    ub, ua = f"underlying_bid_{stamp}", f"underlying_ask_{stamp}"
    _require(f, path, (bid_col, ask_col, ub, ua), "CBOE DataShop")
    kind = f["option_type"].str.strip().str.upper()
    _bad(path, f, ~kind.isin(("C", "P")).to_numpy(), "option_type", "'C' or 'P'")
    q, e = _dates(path, f, "quote_date"), _dates(path, f, "expiration")
    _check_expiry_order(path, f, q, e, "expiration")
    active = f"active_underlying_price_{stamp}"
    under = 0.5 * (_numbers(path, f, ub) + _numbers(path, f, ua))
    if active in f:
        act = _numbers(path, f, active, optional=True)
        under = np.where(np.isfinite(act) & (act > 0), act, under)
    return _canonical(
        q,
        f["root"].str.strip().str.upper(),
        e,
        _numbers(path, f, "strike"),
        kind,
        _numbers(path, f, bid_col),
        _numbers(path, f, ask_col),
        under,
        _numbers(path, f, "trade_volume", optional=True) if "trade_volume" in f else None,
        _numbers(path, f, "open_interest", optional=True) if "open_interest" in f else None,
    )


CHAIN_READERS: Final[dict[str, Callable[[str | Path], pd.DataFrame]]] = {
    "optionsdx": read_optionsdx_chains,
    "cboe_datashop": read_cboe_datashop_chains,
    "hod": read_hod_chains,
}
"""Chain importers by layout name."""


def sniff_chain_layout(path: str | Path) -> str:
    """Return the layout name of a chain file from its header (a key of ``CHAIN_READERS``).

    Raises
    ------
    DataFormatError
        If the header matches no known layout.
    """
    path = Path(path)
    header = [c.strip() for c in pd.read_csv(path, nrows=0).columns]
    if "[C_BID]" in header:
        return "optionsdx"
    if "option_type" in header and "root" in header:
        return "cboe_datashop"
    if "optionroot" in header or ("underlying_last" in header and "type" in header):
        return "hod"
    raise DataFormatError(
        path,
        1,
        None,
        ",".join(header[:6]),
        "an OptionsDX, CBOE DataShop or HistoricalOptionData chain header",
    )


VALIDATION_RULES: Final = ("crossed", "zero_bid", "stale", "parity")
"""Rules of ``validate_chains``, in report order."""


def validate_chains(
    chains: pd.DataFrame, rate: float = 0.0, parity_tolerance: float = 0.0
) -> pd.DataFrame:
    """Flag suspicious quotes in a canonical ``option_chains`` frame.

    Rules
    -----
    crossed
        ``bid > ask``.
    zero_bid
        ``bid == 0`` (no buyer: the mid is not a price anyone can trade).
    stale
        A two-sided quote (bid > 0) identical, bid and ask, to the same contract's quote on the
        previous quote date in the frame; ``volume`` is reported alongside (0 makes it likelier
        that nobody refreshed the quote).
    parity
        Conversion/reversal: for a strike with both rights quoted (bid > 0 on both), the
        discounted forward minus strike ``DF (F - K)`` must lie within
        ``[C_bid - P_ask, C_ask - P_bid]`` (± ``parity_tolerance``). ``F`` is the median of
        ``K + (C_mid - P_mid) / DF`` over the expiry's strikes (at least 3), so the rule finds
        strikes out of line with the rest of the chain without assuming a dividend yield.
        ``DF = exp(-rate T)`` with ``T`` = calendar days / 365.

    Parameters
    ----------
    chains
        Canonical option chains (any number of quote dates, roots and expiries).
    rate
        Continuous rate used for discounting in the parity rule (decimal).
    parity_tolerance
        Extra slack in the parity rule, in option price units.

    Returns
    -------
    pandas.DataFrame
        Columns ``rule``, ``row`` (position in ``chains``), ``values`` (the numbers that broke
        the rule, as text); empty when nothing is flagged.
    """
    c = chains.reset_index(drop=True)
    found: list[pd.DataFrame] = []

    def add(rule: str, mask: np.ndarray, text: pd.Series) -> None:
        rows = np.flatnonzero(mask)
        if len(rows):
            found.append(
                pd.DataFrame({"rule": rule, "row": rows, "values": text.iloc[rows].to_numpy()})
            )

    quote = "bid=" + c["bid"].astype(str) + " ask=" + c["ask"].astype(str)
    add("crossed", (c["bid"] > c["ask"]).to_numpy(), quote)
    add("zero_bid", (c["bid"] == 0.0).to_numpy(), quote)

    contract = ["root", "expiry", "right", "strike"]
    ordered = c.sort_values([*contract, "quote_date"], kind="mergesort")
    same = ordered[contract].eq(ordered[contract].shift()).all(axis=1)
    unchanged = (ordered["bid"] == ordered["bid"].shift()) & (
        ordered["ask"] == ordered["ask"].shift()
    )
    stale = same & unchanged & (ordered["bid"] > 0.0)
    stale_mask = np.zeros(len(c), bool)
    stale_mask[ordered.index[stale.to_numpy()]] = True
    add("stale", stale_mask, quote + " volume=" + c["volume"].astype(str))

    parity_mask = np.zeros(len(c), bool)
    parity_text = pd.Series("", index=c.index)
    two_sided = c.assign(_pos=np.arange(len(c)))[c["bid"] > 0.0]
    for _, g in two_sided.groupby(["quote_date", "root", "expiry"], sort=False):
        calls = g[g["right"] == "C"].drop_duplicates("strike").set_index("strike")
        puts = g[g["right"] == "P"].drop_duplicates("strike").set_index("strike")
        ks = calls.index.intersection(puts.index)
        if len(ks) < 3:
            continue
        t = (g["expiry"].iloc[0] - g["quote_date"].iloc[0]).days / 365.0
        df = float(np.exp(-rate * t))
        cb, ca = calls.loc[ks, "bid"].to_numpy(), calls.loc[ks, "ask"].to_numpy()
        pb, pa = puts.loc[ks, "bid"].to_numpy(), puts.loc[ks, "ask"].to_numpy()
        k = ks.to_numpy(np.float64)
        ci, pi = calls.index.get_indexer(ks), puts.index.get_indexer(ks)
        fwd = float(np.median(k + ((ca + cb) - (pa + pb)) / 2.0 / df))
        carry = df * (fwd - k)
        low, high = cb - pa - parity_tolerance, ca - pb + parity_tolerance
        bad = (carry < low) | (carry > high)
        for i in np.flatnonzero(bad):
            text = (
                f"K={k[i]:g} C={cb[i]:g}/{ca[i]:g} P={pb[i]:g}/{pa[i]:g} "
                f"DF(F-K)={carry[i]:.2f} outside [{low[i]:.2f}, {high[i]:.2f}]"
            )
            for pos in (int(calls["_pos"].iloc[ci[i]]), int(puts["_pos"].iloc[pi[i]])):
                parity_mask[pos] = True
                parity_text.iloc[pos] = text
    add("parity", parity_mask, parity_text)
    if not found:
        return pd.DataFrame(
            {"rule": pd.Series(dtype=object), "row": pd.Series(dtype=np.int64), "values": ""}
        ).iloc[:0]
    return pd.concat(found, ignore_index=True)
