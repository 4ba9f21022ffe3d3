"""The embedded synthetic market: seeded, deterministic canonical tables for any date range.

``generate_market(start, end, seed)`` returns a ``MarketData`` with every canonical table the
engine needs (index bars for SPX and the VIX family, VX settlements of the eight listed monthly
contracts, final settlements, DFF/IRX rates and the FOMC/CPI/PPI calendar), each row stamped
with ``known_at`` by the conventions of ``alvh.market.schema``. The model (two-factor stochastic
variance with leverage and clustered down-jumps; VIX family and VX futures as risk-neutral
expectations of the same variance) is documented with its equations in ``docs/synthetic.md``.
"""

from __future__ import annotations

import hashlib
from datetime import date

import numpy as np
import pandas as pd

from alvh._typing import Float64Array
from alvh.calendar.expiries import (
    spx_monthly_expiry,
    third_friday,
    vx_contract_code,
    vx_expiry,
)
from alvh.calendar.sessions import TradingCalendar, trading_calendar
from alvh.errors import ConfigError
from alvh.market import schema
from alvh.market.data import DataSource, MarketData
from alvh.market.synthetic_calendar import event_dates, rate_paths
from alvh.market.synthetic_params import SyntheticParams
from alvh.market.synthetic_paths import (
    SESSIONS_PER_YEAR,
    FactorPath,
    ar1,
    bridge_high_low,
    simulate_factors,
    vol_index,
    vol_index_logvol,
    vx_future,
)

__all__ = ["GENERATOR_VERSION", "SyntheticParams", "generate_market", "synthetic_data_id"]

# Bump whenever the generated numbers change for a given (seed, params, range).
GENERATOR_VERSION = "1"
VX_LISTED_MONTHS = 8
# Horizons (calendar days) of the VIX family; VIX3M and VIX6M follow CBOE's 93 and 184 days.
VOL_INDEX_DAYS: dict[str, float] = {"VIX9D": 9.0, "VIX": 30.0, "VIX3M": 93.0, "VIX6M": 184.0}
EVENT_LOOKAHEAD_DAYS = 62  # scheduled events after `end` so "next FOMC" works on the last day


def _as_timestamp(value: str | date, key: str) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise ConfigError(f"synthetic.{key}", value, "a date like 2004-01-02") from None
    if ts is pd.NaT or ts.tzinfo is not None:
        raise ConfigError(f"synthetic.{key}", value, "a naive date like 2004-01-02")
    return ts.normalize()


def synthetic_data_id(start: pd.Timestamp, end: pd.Timestamp, seed: int, p: SyntheticParams) -> str:
    """Return the data id: a hash of generator version, seed, parameters and date range."""
    items = ";".join(f"{k}={v!r}" for k, v in p.as_sorted_items())
    key = (
        f"alvh-synthetic/{GENERATOR_VERSION}|seed={seed}|"
        f"{start.date().isoformat()}..{end.date().isoformat()}|{items}"
    )
    return "syn-" + hashlib.sha256(key.encode()).hexdigest()[:16]


def generate_market(
    start: str | date,
    end: str | date,
    seed: int = 7,
    params: SyntheticParams | None = None,
) -> MarketData:
    """Generate a synthetic market over the NYSE sessions from ``start`` to ``end``.

    Parameters
    ----------
    start, end
        First and last calendar dates (inclusive); sessions come from the NYSE calendar.
    seed
        Seed of ``numpy.random.Generator(PCG64(seed))``; the same inputs give the same bytes.
    params
        Model parameters; ``SyntheticParams()`` when None.

    Returns
    -------
    MarketData
        Tables ``index_bars``, ``vx_settlements``, ``final_settlements``, ``rates`` and
        ``events``, with ``source.kind == "synthetic"``.

    Raises
    ------
    ConfigError
        If the dates cannot be read, are out of order, hold no session, or reach past the
        calendar (VX contracts up to eight months after ``end`` must have known expiries).
    """
    p = params if params is not None else SyntheticParams()
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ConfigError("synthetic.seed", seed, "a non-negative integer")
    t0, t1 = _as_timestamp(start, "start"), _as_timestamp(end, "end")
    if t1 < t0:
        raise ConfigError("synthetic.end", str(end), f"a date on or after start {t0.date()}")
    cal = trading_calendar()
    sessions = cal.sessions_in_range(t0, t1)
    if len(sessions) < 2:
        raise ConfigError(
            "synthetic.start..end", f"{t0.date()}..{t1.date()}", "a range with 2+ NYSE sessions"
        )
    contracts = _listed_contracts(sessions, cal)

    root = np.random.Generator(np.random.PCG64(int(seed)))
    rng_path, rng_ohlc, rng_skew, rng_rates = root.spawn(4)
    path = simulate_factors(len(sessions), p, rng_path)
    bars, vix_open, vvix = _index_bars(sessions, path, p, rng_skew)
    vix_close = bars["VIX"]
    vx, vx_final = _vx_tables(sessions, contracts, path, vvix, vix_open, p)
    spx_final = _spx_am_final(sessions, path.spx_open, cal)
    events = _events_table(t0, t1, cal)
    fomc = events.loc[(events["kind"] == "FOMC") & (events["date"] <= t1), "date"].tolist()
    dff, irx = rate_paths(sessions, fomc, vix_close, p, rng_rates)

    tables = {
        "index_bars": _bars_frame(sessions, bars, path, rng_ohlc, vix_open, p),
        "vx_settlements": vx,
        "final_settlements": pd.concat([vx_final, spx_final], ignore_index=True),
        "rates": _rates_frame(sessions, dff, irx),
        "events": events,
    }
    source = DataSource(
        kind="synthetic",
        data_id=synthetic_data_id(t0, t1, int(seed), p),
        description=f"synthetic market, seed {int(seed)}, {t0.date()}..{t1.date()}",
    )
    return MarketData(tables, source)


def _listed_contracts(sessions: pd.DatetimeIndex, cal: TradingCalendar) -> pd.DataFrame:
    """Return contract code and expiry of every monthly VX contract listed during sessions."""
    first, last = sessions[0], sessions[-1]
    y, m = first.year, first.month
    rows: list[tuple[str, pd.Timestamp]] = []
    after_last = 0
    # vx_expiry needs the session calendar up to the next month's third Friday; past the
    # calendar's end it would silently return wrong dates, so refuse such ranges here.
    calendar_end = cal.sessions[-1]
    while after_last < VX_LISTED_MONTHS + 1:
        if pd.Timestamp(third_friday(*((y + 1, 1) if m == 12 else (y, m + 1)))) > calendar_end:
            raise ConfigError(
                "synthetic.end",
                str(last.date()),
                f"a date whose VX contracts {VX_LISTED_MONTHS} months ahead expire inside the "
                f"trading calendar (ending {calendar_end.date()})",
            )
        exp = pd.Timestamp(vx_expiry(y, m, cal))
        if exp >= first:
            rows.append((vx_contract_code(y, m), exp))
        if exp > last:
            after_last += 1
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return pd.DataFrame(rows, columns=["contract", "expiry"])


def _index_bars(
    sessions: pd.DatetimeIndex,
    path: FactorPath,
    p: SyntheticParams,
    rng_skew: np.random.Generator,
) -> tuple[dict[str, Float64Array], Float64Array, Float64Array]:
    """Return closes of every index (by symbol), the unrounded VIX open and VVIX/100."""
    closes: dict[str, Float64Array] = {"SPX": np.round(path.spx_close, 2)}
    for sym, days in VOL_INDEX_DAYS.items():
        closes[sym] = np.round(vol_index(p, path.v_close, path.m_close, days), 2)
    vix_open = vol_index(p, path.v_open, path.m_open, 30.0)
    vol_of_vix = p.vvix_premium * vol_index_logvol(p, path.v_close, path.m_close, 30.0)
    closes["VVIX"] = np.maximum(100.0 * vol_of_vix, p.vvix_floor).round(2)
    noise = ar1(len(sessions), p.skew_ar, p.skew_noise, rng_skew)
    vix = vol_index(p, path.v_close, path.m_close, 30.0)
    skew = 100.0 + p.skew_base + p.skew_scale / vix + noise
    closes["SKEW"] = np.clip(skew, 100.0, 170.0).round(2)
    return closes, vix_open, vol_of_vix


def _bars_frame(
    sessions: pd.DatetimeIndex,
    closes: dict[str, Float64Array],
    path: FactorPath,
    rng: np.random.Generator,
    vix_open: Float64Array,
    p: SyntheticParams,
) -> pd.DataFrame:
    """Return the index_bars table: OHLC for SPX and the VIX family, close only otherwise."""
    dt_day = (1.0 - p.overnight_share) / SESSIONS_PER_YEAR
    n = len(sessions)
    frames: list[pd.DataFrame] = []
    for sym in schema.INDEX_SYMBOLS:
        close = closes[sym]
        nan = np.full(n, np.nan)
        o, h, lo = nan, nan, nan
        if sym == "SPX":
            o = path.spx_open
            var = (1.0 - p.jump_share) * path.v_open * dt_day
            h, lo = bridge_high_low(np.log(o), np.log(path.spx_close), var, rng)
        elif sym in VOL_INDEX_DAYS:
            days = VOL_INDEX_DAYS[sym]
            o = vix_open if sym == "VIX" else vol_index(p, path.v_open, path.m_open, days)
            logvol = vol_index_logvol(p, path.v_open, path.m_open, days)
            c = vol_index(p, path.v_close, path.m_close, days)
            h, lo = bridge_high_low(np.log(o), np.log(c), logvol**2 * dt_day, rng)
        frame = pd.DataFrame(
            {
                "symbol": sym,
                "date": sessions,
                "open": np.round(o, 2),
                "high": np.round(h, 2),
                "low": np.round(lo, 2),
                "close": close,
            }
        )
        frame["known_at"] = schema.index_known_at(sym, frame["date"]).to_numpy()
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _vx_tables(
    sessions: pd.DatetimeIndex,
    contracts: pd.DataFrame,
    path: FactorPath,
    vol_of_vix: Float64Array,
    vix_open: Float64Array,
    p: SyntheticParams,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return vx_settlements (expiring contract + the next eight) and the VX SOQ rows."""
    exp_ns = contracts["expiry"].to_numpy("datetime64[ns]").view("int64")
    sess_ns = sessions.asi8
    # On session t: every contract with expiry >= t, up to eight expiring strictly after t.
    lo = np.searchsorted(exp_ns, sess_ns, side="left")
    hi = np.searchsorted(exp_ns, sess_ns, side="right") + VX_LISTED_MONTHS
    counts = hi - lo
    day = np.repeat(np.arange(len(sessions)), counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    con = np.repeat(lo, counts) + offsets
    tau_years = (exp_ns[con] - sess_ns[day]) / (86400e9 * 365.0)
    settle = vx_future(p, path.v_close[day], path.m_close[day], tau_years, vol_of_vix[day])
    # The SOQ is the opening VIX on the expiry day; the expiring contract settles at it.
    soq = np.round(vix_open, 2)
    expiring = tau_years == 0.0
    settle[expiring] = soq[day[expiring]]
    dates = sessions[day]
    vx = pd.DataFrame(
        {
            "date": dates,
            "contract": contracts["contract"].to_numpy()[con],
            "expiry": contracts["expiry"].to_numpy()[con],
            "settle": np.round(settle, 4),
            "volume": np.nan,
            "open_interest": np.nan,
            "known_at": schema.at_time(dates, schema.VX_SETTLE_TIME).to_numpy(),
        }
    )
    exp_days = dates[expiring]
    final = pd.DataFrame(
        {
            "product": "VX",
            "expiry": exp_days,
            "value": soq[day[expiring]],
            "known_at": schema.at_time(exp_days, schema.FINAL_SETTLEMENT_TIME).to_numpy(),
        }
    )
    return vx, final


def _spx_am_final(
    sessions: pd.DatetimeIndex, spx_open: Float64Array, cal: TradingCalendar
) -> pd.DataFrame:
    """Return SPX_AM special opening quotations: the SPX open on each monthly expiry."""
    first, last = sessions[0], sessions[-1]
    days = []
    for year in range(first.year, last.year + 1):
        for month in range(1, 13):
            d = pd.Timestamp(spx_monthly_expiry(year, month, cal))
            if first <= d <= last:
                days.append(d)
    idx = np.searchsorted(sessions.asi8, pd.DatetimeIndex(days).asi8)
    expiry = pd.DatetimeIndex(days)
    return pd.DataFrame(
        {
            "product": "SPX_AM",
            "expiry": expiry,
            "value": np.round(spx_open[idx], 2),
            "known_at": schema.at_time(expiry, schema.FINAL_SETTLEMENT_TIME).to_numpy(),
        }
    )


def _events_table(t0: pd.Timestamp, t1: pd.Timestamp, cal: TradingCalendar) -> pd.DataFrame:
    last_session = cal.sessions[-1]
    horizon = min(t1 + pd.Timedelta(days=EVENT_LOOKAHEAD_DAYS), last_session)
    rows = event_dates(t0, horizon, cal)
    frame = pd.DataFrame(rows, columns=["kind", "date", "time_et"])
    frame["scheduled"] = True
    frame["known_at"] = schema.event_known_at(
        frame["date"], frame["time_et"], frame["scheduled"]
    ).to_numpy()
    return frame


def _rates_frame(sessions: pd.DatetimeIndex, dff: Float64Array, irx: Float64Array) -> pd.DataFrame:
    dates = pd.Series(sessions)
    dff_frame = pd.DataFrame(
        {
            "series": "DFF",
            "date": sessions,
            "value_pct": dff,
            "known_at": schema.dff_known_at(dates).to_numpy(),
        }
    )
    irx_frame = pd.DataFrame(
        {
            "series": "IRX",
            "date": sessions,
            "value_pct": irx,
            "known_at": schema.at_time(sessions, schema.IRX_CLOSE_TIME).to_numpy(),
        }
    )
    return pd.concat([dff_frame, irx_frame], ignore_index=True)
