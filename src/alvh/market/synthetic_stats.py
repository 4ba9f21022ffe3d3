"""Stylised facts of a market (synthetic or real): the numbers the synthetic model is tuned to.

Run ``python -m alvh.market.synthetic_stats [START END SEED]`` to print them for a synthetic
market (defaults: 1990-01-02 2029-12-31 7); ``docs/synthetic.md`` quotes its output.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

from alvh.market.data import MarketData

REALISED_WINDOW = 21
SESSIONS_PER_MONTH = 21


def front_two(vx: pd.DataFrame) -> pd.DataFrame:
    """Return, per date, the first two contracts expiring strictly after it (VX1 and VX2).

    Columns: date, vx1, vx2, vx1_contract.
    """
    live = vx[vx["expiry"] > vx["date"]].sort_values(["date", "expiry"], kind="mergesort")
    rank = live.groupby("date").cumcount()
    first = live[rank == 0].set_index("date")
    second = live[rank == 1].set_index("date")
    out = pd.DataFrame({"vx1": first["settle"], "vx1_contract": first["contract"]})
    out["vx2"] = second["settle"]
    return out.dropna(subset=["vx2"]).reset_index()


def front_month_daily_returns(vx: pd.DataFrame) -> pd.DataFrame:
    """Return a long-VX1 position's daily returns: the front contract held from t to t+1.

    Columns: date (t), ret (settle(t+1) / settle(t) - 1 of the contract that is VX1 at t;
    on its expiry day the contract's settle is its final settlement), contango (VX2 > VX1 at t).
    """
    f2 = front_two(vx)
    nxt = vx[["date", "contract", "settle"]].rename(
        columns={"date": "next_date", "contract": "vx1_contract", "settle": "next_settle"}
    )
    dates = np.sort(vx["date"].unique())
    pos = np.searchsorted(dates, f2["date"].to_numpy(), side="right")
    keep = pos < len(dates)
    f2 = f2[keep].copy()
    f2["next_date"] = dates[pos[keep]]
    merged = f2.merge(nxt, on=["next_date", "vx1_contract"], how="inner")
    return pd.DataFrame(
        {
            "date": merged["date"],
            "ret": merged["next_settle"] / merged["vx1"] - 1.0,
            "contango": merged["vx2"] > merged["vx1"],
        }
    )


def market_statistics(md: MarketData) -> dict[str, float]:
    """Return the stylised facts of a market as a flat dict of floats.

    Keys: sessions, years, spx_vol_ann, spx_drift_ann (log), vix_mean, vix_min, vix_max,
    share_vix_above_40, vix_spikes_above_40 (episodes separated by a month below 40),
    corr_spx_ret_vix_change, vix_minus_rv21_mean (vol points), contango_share (VX2 > VX1),
    vix_below_vix3m_share, vx1_return_month_pct (all days) and vx1_return_month_contango_pct
    (daily returns on contango days, times 21), vvix_mean, skew_mean, skew_min, skew_max.
    """
    bars = md.tables["index_bars"]
    close = bars.pivot(index="date", columns="symbol", values="close")
    spx, vix = close["SPX"].to_numpy(), close["VIX"].to_numpy()
    r = np.diff(np.log(spx))
    rv = 100.0 * np.sqrt(
        252.0 * np.convolve(r**2, np.ones(REALISED_WINDOW) / REALISED_WINDOW, "valid")
    )
    above = vix > 40.0
    out: dict[str, float] = {
        "sessions": float(len(spx)),
        "years": len(spx) / 252.0,
        "spx_vol_ann": float(r.std() * np.sqrt(252.0)),
        "spx_drift_ann": float(r.mean() * 252.0),
        "vix_mean": float(vix.mean()),
        "vix_min": float(vix.min()),
        "vix_max": float(vix.max()),
        "share_vix_above_40": float(above.mean()),
        "vix_spikes_above_40": float(_episodes(above, gap=SESSIONS_PER_MONTH)),
        "corr_spx_ret_vix_change": float(np.corrcoef(r, np.diff(vix))[0, 1]),
        # rv[k] covers returns k..k+20, known on session k+21
        "vix_minus_rv21_mean": float((vix[REALISED_WINDOW:] - rv).mean()),
    }
    if "VIX3M" in close:
        out["vix_below_vix3m_share"] = float((vix < close["VIX3M"].to_numpy()).mean())
    if "VVIX" in close:
        out["vvix_mean"] = float(close["VVIX"].mean())
    if "SKEW" in close:
        sk = close["SKEW"]
        out |= {"skew_mean": sk.mean(), "skew_min": sk.min(), "skew_max": sk.max()}
    vx = md.tables["vx_settlements"]
    if not vx.empty:
        f2 = front_two(vx)
        out["contango_share"] = float((f2["vx2"] > f2["vx1"]).mean())
        ret = front_month_daily_returns(vx)
        out["vx1_return_month_pct"] = float(100.0 * SESSIONS_PER_MONTH * ret["ret"].mean())
        out["vx1_return_month_contango_pct"] = float(
            100.0 * SESSIONS_PER_MONTH * ret.loc[ret["contango"], "ret"].mean()
        )
    return {k: float(v) for k, v in out.items()}


def _episodes(flags: np.ndarray, gap: int) -> int:
    """Return the number of runs of True separated by at least ``gap`` False values."""
    idx = np.flatnonzero(flags)
    if idx.size == 0:
        return 0
    return int(1 + np.count_nonzero(np.diff(idx) > gap))


def main(argv: list[str]) -> int:
    """Print the statistics of a synthetic market (``START END SEED``)."""
    from alvh.market.synthetic import generate_market

    start, end, seed = (argv + ["1990-01-02", "2029-12-31", "7"][len(argv) :])[:3]
    md = generate_market(start, end, seed=int(seed))
    print(md.source.description)
    for key, value in market_statistics(md).items():
        print(f"  {key:32s} {value:10.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
