"""Import a month of synthetic SPX option chains in the OptionsDX layout into an empty store.

The file is made here (no real quotes): 21 quote dates x 30 expiries x 120 strikes = 75,600
lines (151,200 option rows), Black-76 prices on a linear skew rounded to 0.05, one tick wide,
written as OptionsDX writes them (``[BRACKETED]`` names, ``", "`` separators, ``"b x a"``
sizes). Baseline in the same run: plain ``pd.read_csv`` of the same file (no canonical rows,
no flags, no store).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from alvh.kernel.black import black76_price
from alvh.market.importers.detect import import_file
from alvh.market.store import Store, import_paths

HEADER = (
    "[QUOTE_UNIXTIME], [QUOTE_READTIME], [QUOTE_DATE], [QUOTE_TIME_HOURS], [UNDERLYING_LAST], "
    "[EXPIRE_DATE], [EXPIRE_UNIX], [DTE], [C_DELTA], [C_GAMMA], [C_VEGA], [C_THETA], [C_RHO], "
    "[C_IV], [C_VOLUME], [C_LAST], [C_SIZE], [C_BID], [C_ASK], [STRIKE], [P_BID], [P_ASK], "
    "[P_SIZE], [P_LAST], [P_DELTA], [P_GAMMA], [P_VEGA], [P_THETA], [P_RHO], [P_IV], "
    "[P_VOLUME], [STRIKE_DISTANCE], [STRIKE_DISTANCE_PCT]"
)


def synth_optionsdx(path: Path, n_dates: int = 21, n_exp: int = 30, n_k: int = 120) -> int:
    """Write a synthetic OptionsDX month to ``path``; return its number of data lines."""
    days = pd.bdate_range("2023-08-01", periods=n_dates)
    parts = []
    for i, day in enumerate(days):
        spot = 4500.0 + 10.0 * np.sin(i)
        for j in range(n_exp):
            exp = day + pd.Timedelta(days=2 + 7 * j)
            t = (exp - day).days / 365.0
            k = np.round(spot / 5.0) * 5.0 + 5.0 * (np.arange(n_k) - n_k // 2)
            vol = np.clip(0.16 - 0.5 * np.log(k / spot), 0.05, 1.0)
            c = np.round(black76_price(spot, k, t, vol, 1.0, True) / 0.05) * 0.05
            p = np.round(black76_price(spot, k, t, vol, 1.0, False) / 0.05) * 0.05
            n = len(k)
            frame = pd.DataFrame(
                {
                    "u": 1690920000 + i * 86400,
                    "rt": f"{day.date()} 16:00",
                    "qd": str(day.date()),
                    "h": "16.000000",
                    "s": f"{spot:.2f}",
                    "ed": str(exp.date()),
                    "eu": 1690920000 + (i + 2 + 7 * j) * 86400,
                    "dte": f"{(exp - day).days:.2f}",
                    **{f"cg{m}": "0.1" for m in range(6)},
                    "cv": 10,
                    "cl": c,
                    "cs": "10 x 12",
                    "cb": np.maximum(c - 0.05, 0.0),
                    "ca": c + 0.05,
                    "k": k,
                    "pb": np.maximum(p - 0.05, 0.0),
                    "pa": p + 0.05,
                    "ps": "12 x 10",
                    "pl": p,
                    **{f"pg{m}": "0.1" for m in range(6)},
                    "pv": 10,
                    "sd": np.abs(k - spot),
                    "sdp": np.abs(k / spot - 1),
                },
                index=range(n),
            )
            parts.append(frame)
    allf = pd.concat(parts, ignore_index=True)
    path.write_text(
        HEADER + "\n" + allf.to_csv(header=False, index=False, sep=",").replace(",", ", ")
    )
    return len(allf)


def run() -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "spx_eod_202308.txt"
        lines = synth_optionsdx(path)
        t0 = time.perf_counter()
        pd.read_csv(path, skipinitialspace=True)
        baseline_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        res = import_file(path)
        parse_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        import_paths(Store(Path(tmp) / "store"), [path])
        store_s = time.perf_counter() - t0
        rows = len(res.pieces[0].frame)
    return [
        {
            "name": "import_optionsdx_month",
            "lines": lines,
            "rows": rows,
            "parse_and_flag_s": round(parse_s, 2),
            "store_import_s": round(store_s, 2),
            "read_csv_baseline_s": round(baseline_s, 2),
            "ratio_vs_read_csv": round(store_s / baseline_s, 1),
        }
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
