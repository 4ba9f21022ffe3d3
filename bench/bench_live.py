"""A live book as a user waits for it: ``alvh book status`` on ~60 positions, fresh process.

Builds (not timed) a store of the real series the marks need (SPX, the VIX family, SKEW,
VVIX, rates, VX settlements) and a SQLite book of 14 SPXW iron condors (56 legs) in three
tiers, 2 VX futures lots and 2 VIX call lots (60 positions) opened a month before the store's
last priced session. Then times, each in a fresh interpreter, median of 3: ``alvh --help``
(the start-up baseline), ``alvh book status`` (open the book, fold its log, load a 400-day
window of the store, build the surface, mark, greeks, margin, and every trigger of the book's
config, ic-ladder's tiers + alvh-442, with its distance to firing) and ``alvh book fills`` of a 1,000-line
file (parse, check against the fold, one transaction), and ``alvh signal`` for the last priced
session with ic-ladder + alvh-442 replayed from a year before it and from 2008-01-02 (a warm-up
run first: numba's cache). Ratios are against ``alvh --help``
measured in the same run. Without the real data the status case is skipped.

``ALVH_BENCH_LIVE_BASELINE_SRC=DIR`` (the ``src`` of another version, e.g. ``git archive main
src``) also times ``alvh book status`` and ``alvh book log`` with that code, alternated run by
run with this one (7 each), so that machine load falls on both alike.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FILES = (
    "spx_daily_1927_2026.csv",
    "vix_daily_cboe_1990_2026.csv",
    "vix9d_daily_cboe_2011_2026.csv",
    "vix3m_daily_2006_2026.csv",
    "skew_daily_cboe_1990_2026.csv",
    "vvix_daily_cboe_2006_2026.csv",
    "tbill_13w_irx_daily_yahoo_2000_2026.csv",
    "fed_funds_effective_daily_fred_DFF_1954_2026.csv",
    "vx_settle_panel_2004_2026.csv.gz",
)
REPEATS = 3


def _shared_data() -> Path | None:
    env = os.environ.get("SHARED_DATA") or os.environ.get("ALVH_SHARED_DATA")
    d = Path(env) if env else REPO.parent / "shared" / "data"
    return d if d.is_dir() else None


def _alvh() -> list[str]:
    exe = Path(sys.executable).with_name("alvh")
    if exe.is_file():
        return [str(exe)]
    return [sys.executable, "-c", "from alvh.cli.app import entrypoint; entrypoint()"]


def _median_s(args: list[str], env: dict[str, str], setup: list[str] | None = None) -> float:
    times = []
    for _ in range(REPEATS):
        if setup is not None:
            subprocess.run([*_alvh(), *setup], check=True, capture_output=True, env=env)
        t0 = time.perf_counter()
        subprocess.run([*_alvh(), *args], check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _positions(store_dir: Path) -> tuple[str, str]:
    """A positions CSV of 60 lots around the money a month before the last priced session."""
    import pandas as pd

    from alvh.calendar.expiries import vx_expiries
    from alvh.live.service import market_facts
    from alvh.market.store import Store

    facts = market_facts(store_dir)
    day = facts.last_priced_session or facts.last_session
    data = Store(store_dir).load(start=day - timedelta(days=60), end=day)
    sessions = data.sessions("SPX")
    opened = sessions[sessions <= pd.Timestamp(day - timedelta(days=30))][-1]
    spot = float(data.snapshot(opened + pd.Timedelta(hours=16, minutes=15)).close("SPX"))
    atm = 5 * round(spot / 5)
    lines = ["symbol,quantity,avg_price,opened,tier,group"]
    # Expiries after the store's last SPX session: the book refuses positions already expired.
    fridays = pd.date_range(facts.last_session + timedelta(days=7), periods=14, freq="W-FRI")
    for k, expiry in enumerate(fridays):
        tier = ("short", "medium", "long")[k % 3]
        off = 150 + 10 * k
        legs = ((atm - off - 50, "P", 1), (atm - off, "P", -1), (atm + off, "C", -1))
        legs += ((atm + off + 50, "C", 1),)
        for strike, right, sign in legs:
            sym = f"SPXW  {expiry:%y%m%d}{right}{int(strike * 1000):08d}"
            lines.append(f"{sym},{2 * sign},{1.5 if sign < 0 else 0.8},{opened.date()},{tier},c{k}")
    vx = vx_expiries(facts.last_session + timedelta(days=1), day + timedelta(days=150))
    for j, row in enumerate(vx.head(2).itertuples()):
        exp = pd.Timestamp(row.expiry)
        code = "FGHJKMNQUVXZ"[exp.month - 1]
        lines.append(f"VX{code}{exp.year % 100:02d},1,18.5,{opened.date()},vx_futures,t{j}")
        lines.append(
            f"VIX   {exp:%y%m%d}C{25000 + 5000 * j:08d},10,1.2,{opened.date()},vix_calls,t{j}"
        )
    return "\n".join(lines) + "\n", str(opened.date())


def run() -> list[dict]:
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        env = dict(os.environ, ALVH_BOOKS=str(tmp / "books"), ALVH_STORE=str(tmp / "store"))
        (tmp / "store").mkdir()
        t_help = _median_s(["--help"], env)
        rows.append({"name": "alvh --help (start-up baseline)", "seconds": round(t_help, 3)})
        (tmp / "cfg.toml").write_text('name = "bench"\n\n[hedge]\npreset = "alvh-442"\n')
        shared = _shared_data()
        if shared is None:
            rows.append({"name": "book status", "skipped": "no ../shared/data (set SHARED_DATA)"})
            return rows
        from alvh.market.store import Store, import_paths

        import_paths(Store(tmp / "store"), [shared / f for f in FILES])
        text, opened = _positions(tmp / "store")
        (tmp / "pos.csv").write_text(text)
        n_pos = text.count("\n") - 1
        subprocess.run(
            [*_alvh(), "book", "init", "b", "--config", str(tmp / "cfg.toml")], check=True, env=env
        )
        subprocess.run([*_alvh(), "book", "import", "b", str(tmp / "pos.csv")], check=True, env=env)
        t_status = _median_s(["book", "status", "b"], env)
        rows.append(
            {
                "name": f"alvh book status, {n_pos} positions, real store",
                "seconds": round(t_status, 3),
                "ratio_vs_help": round(t_status / t_help, 1),
            }
        )
        base = os.environ.get("ALVH_BENCH_LIVE_BASELINE_SRC")
        if base:
            rows += _against_baseline(Path(base), env, t_help)
        fills = ["date,symbol,quantity,price,tier,group"]
        fills += [f"{opened},VXX,1,{12 + i / 1000:.3f},etf,t0" for i in range(1000)]
        t_fills = 0.0
        for k in range(REPEATS):
            (tmp / f"f{k}.csv").write_text("\n".join(fills).replace(",t0", f",t{k}") + "\n")
            t0 = time.perf_counter()
            subprocess.run(
                [*_alvh(), "book", "fills", "b", str(tmp / f"f{k}.csv")],
                check=True,
                capture_output=True,
                env=env,
            )
            t_fills += time.perf_counter() - t0
        t_fills /= REPEATS
        rows.append(
            {
                "name": "alvh book fills, 1,000 lines, one transaction",
                "seconds": round(t_fills, 3),
                "ratio_vs_help": round(t_fills / t_help, 1),
            }
        )
        rows += _signal_rows(tmp, env, t_help)
    return rows


def _against_baseline(base: Path, env: dict[str, str], t_help: float) -> list[dict]:
    """``book status`` and ``book log`` with this code and the baseline's, alternated."""
    out = []
    here = str(REPO / "src")
    for args in (["book", "status", "b"], ["book", "log", "b", "--limit", "5"]):
        times: dict[str, list[float]] = {"now": [], "baseline": []}
        for _ in range(7):
            for label, src in (("baseline", str(base)), ("now", here)):
                e = dict(env, PYTHONPATH=src)
                t0 = time.perf_counter()
                subprocess.run(
                    [
                        sys.executable,
                        "-c",
                        "from alvh.cli.app import entrypoint; entrypoint()",
                        *args,
                    ],
                    check=True,
                    capture_output=True,
                    env=e,
                )
                times[label].append(time.perf_counter() - t0)
        now, was = statistics.median(times["now"]), statistics.median(times["baseline"])
        out.append(
            {
                "name": f"alvh {' '.join(args[:2])}: now vs baseline ({base}), median of 7",
                "now_s": round(now, 3),
                "baseline_s": round(was, 3),
                "ratio_now_over_baseline": round(now / was, 2),
                "now_vs_help": round(now / t_help, 1),
                "load_1min": round(os.getloadavg()[0], 1),
            }
        )
    return out


def _signal_rows(tmp: Path, env: dict[str, str], t_help: float) -> list[dict]:
    """``alvh signal`` on the store's last priced session: a replay from 1 year and from 2008.

    The signal replays the backtest from the config's start through D (docs/live.md), so its
    time grows with the replay's length; the session-step design would make it one session.
    """
    from alvh.config.hedge import hedge_preset
    from alvh.config.load import config_with_overrides, dump_toml, load_preset
    from alvh.live.context import market_facts

    facts = market_facts(tmp / "store")
    day = facts.last_priced_session or facts.last_session
    out = []
    for label, start in (
        ("1-year replay", day.replace(year=day.year - 1)),
        ("replay from 2008-01-02", date(2008, 1, 2)),
    ):
        over = {"data.start": start, "data.end": day, "data.source": "store"}
        cfg = config_with_overrides(load_preset("ic-ladder"), **over)
        cfg = cfg.model_copy(update={"hedge": hedge_preset("alvh-442")})
        path = tmp / f"signal-{start}.toml"
        path.write_text(dump_toml(cfg))
        args = ["signal", "--config", str(path), "--date", str(day), "--json"]
        subprocess.run([*_alvh(), *args], check=True, capture_output=True, env=env)  # warm
        t = _median_s(args, env)
        out.append(
            {
                "name": f"alvh signal {day}, ic-ladder + alvh-442, {label}, real store",
                "seconds": round(t, 3),
                "ratio_vs_help": round(t / t_help, 1),
            }
        )
    return out


if __name__ == "__main__":
    for row in run():
        print(row)
