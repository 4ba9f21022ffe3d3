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
run first: numba's cache and the exchange calendar's, ``~/.cache/alvh``), then the book's step
(``_book_step_rows``: ``alvh signal --book`` from a paper book's stored state, and the
advance's cost per session against the backtest's).
Ratios are against ``alvh --help`` measured in the same run. Without the real data the status
case is skipped.

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
        rows += _book_step_rows(tmp, env, t_help)
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


def _book_step_rows(tmp: Path, env: dict[str, str], t_help: float) -> list[dict]:
    """The book's step: ``alvh signal --book`` from a paper book's state, and the advance.

    A paper book of ic-ladder + alvh-442 started a year before the last priced session D
    (and from 2008-01-02 with ``ALVH_BENCH_LONG=1``: the advance takes minutes) is advanced
    through the session before D; then ``alvh signal --book --date D`` is timed from a fresh
    process (median of 3). The store is ``$ALVH_BENCH_STORE`` when set (e.g. the full real
    store), else the bench's store of the real series. The advance's cost per session is
    compared with the backtest's on the same year in one process (data loaded once, each
    timed twice, the faster kept), both the engine's run alone and the backtest as users run
    it (``run_backtest``: its run directory written, journal.sqlite included): the advance adds
    a SQLite transaction per session (synced to disk at the advance's last session only), the
    order pricing and the events' JSON.
    """
    import pandas as pd

    from alvh.backtest import run as backtest
    from alvh.backtest import run_backtest as write_run
    from alvh.config.hedge import hedge_preset
    from alvh.config.load import config_with_overrides, dump_toml, load_preset
    from alvh.live.advance import advance_book
    from alvh.live.context import market_facts
    from alvh.live.service import init_book
    from alvh.live.signal import load_for_signal
    from alvh.live.store import BookStore

    store = Path(os.environ.get("ALVH_BENCH_STORE") or tmp / "store")
    env = dict(env, ALVH_STORE=str(store))
    facts = market_facts(store)
    day = facts.last_priced_session or facts.last_session
    data_all = load_for_signal(
        config_with_overrides(load_preset("ic-ladder"), **{"data.source": "store"}), store, day
    )
    sessions = data_all.sessions("SPX")
    before = sessions[sessions < pd.Timestamp(day)][-1].date()
    starts = [("book from a year before D", day.replace(year=day.year - 1))]
    if os.environ.get("ALVH_BENCH_LONG") == "1":
        starts.append(("book from 2008-01-02", date(2008, 1, 2)))
    out = []
    for label, start in starts:
        over = {"data.start": start, "data.end": day, "data.source": "store"}
        cfg = config_with_overrides(load_preset("ic-ladder"), **over)
        cfg = cfg.model_copy(update={"hedge": hedge_preset("alvh-442")})
        path = tmp / f"book-{start}.toml"
        path.write_text(dump_toml(cfg))
        name = f"paper{start:%Y}"
        subprocess.run([*_alvh(), "book", "init", name, "--config", str(path)], check=True, env=env)
        subprocess.run(
            [*_alvh(), "book", "advance", name, "--through", str(before)],
            check=True,
            capture_output=True,
            env=env,
        )
        args = ["signal", "--book", name, "--date", str(day), "--json"]
        subprocess.run([*_alvh(), *args], check=True, capture_output=True, env=env)  # warm
        t = _median_s(args, env)
        out.append(
            {
                "name": f"alvh signal --book {day}, ic-ladder + alvh-442, {label}, {store}",
                "seconds": round(t, 3),
                "ratio_vs_help": round(t / t_help, 1),
                "load_average": os.getloadavg()[0],
            }
        )
    # The advance per session against the backtest per session, one year, one process.
    start = day.replace(year=day.year - 1)
    over = {"data.start": start, "data.end": before, "data.source": "store"}
    cfg = config_with_overrides(load_preset("ic-ladder"), **over)
    cfg = cfg.model_copy(update={"hedge": hedge_preset("alvh-442")})
    data = load_for_signal(cfg, store, before)
    backtest(cfg, data)  # warm
    t_bt, t_written, t_adv = [], [], []
    for k in range(2):
        t0 = time.perf_counter()
        n = len(backtest(cfg, data).daily)
        t_bt.append(time.perf_counter() - t0)
        # As users run it: the run directory written (journal.sqlite, orders, trades, equity).
        t0 = time.perf_counter()
        write_run(cfg, data, tmp / f"run{k}")
        t_written.append(time.perf_counter() - t0)
        path = tmp / f"adv{k}.toml"
        path.write_text(dump_toml(cfg))
        book = BookStore(f"sqlite:///{tmp / f'adv{k}.sqlite'}", create=True)
        init_book(book, "a", path)
        t0 = time.perf_counter()
        advance_book(book, "a", cfg, cfg.capital.initial_usd, data, before, facts)
        t_adv.append(time.perf_counter() - t0)
        book.close()
    bt, written, adv = min(t_bt), min(t_written), min(t_adv)
    out.append(
        {
            "name": f"book advance vs backtest per session, {n} sessions, ic-ladder + alvh-442",
            "backtest_ms_per_session": round(1000 * bt / n, 2),
            "backtest_writing_its_run_ms_per_session": round(1000 * written / n, 2),
            "advance_ms_per_session": round(1000 * adv / n, 2),
            "ratio_advance_vs_backtest": round(adv / bt, 2),
            "ratio_advance_vs_backtest_writing_its_run": round(adv / written, 2),
            "load_average": os.getloadavg()[0],
        }
    )
    return out


if __name__ == "__main__":
    for row in run():
        print(row)
