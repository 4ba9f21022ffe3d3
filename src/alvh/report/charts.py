"""The report's charts as PNG bytes (matplotlib, Agg canvas, no pyplot global state).

Byte-stable: fixed figure size and dpi, the PNG ``Software`` metadata removed, a fixed SVG hash
salt and fixed fonts from matplotlib's defaults; the same run gives the same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from alvh.report.analysis import RunAnalysis
from alvh.report.metrics import drawdown_series, monthly_returns
from alvh.report.perf import cboe_benchmark, rolling_12m, spx_total_return_usd

if TYPE_CHECKING:
    # Type-only: the Literal of rcParams keys that rc_context is typed with; not needed at run time.
    from matplotlib.typing import RcKeyType

FIG_SIZE_IN = (10.0, 4.2)
DPI = 100
_RC: dict[RcKeyType, Any] = {
    "svg.hashsalt": "alvh",
    "font.size": 9.0,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
BOOK_STYLE = {
    "hedged": ("#1f5fa8", "-", "hedged (ALVH)"),
    "unhedged": ("#c0392b", "-", "unhedged twin"),
    "scaled_mean": ("#7f8c8d", "--", "smaller unhedged book, same mean return"),
    "scaled_cvar": ("#27ae60", ":", "smaller unhedged book, same tail loss (CVaR 95%)"),
}
LAYER_COLORS = {"vx_futures": "#2c7fb8", "vix_calls": "#f39c12", "vix_etf": "#8e44ad"}


def render(draw: Callable[[Figure], None], size: tuple[float, float] = FIG_SIZE_IN) -> bytes:
    """Return the PNG bytes of a figure drawn by ``draw``."""
    with mpl.rc_context(_RC):
        fig = Figure(figsize=size, dpi=DPI)
        FigureCanvasAgg(fig)
        draw(fig)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()


def _books(ax: Axes, series: dict[str, pd.Series], label_suffix: str = "") -> None:
    for name, s in series.items():
        color, ls, label = BOOK_STYLE.get(name, ("black", "-", name))
        ax.plot(s.index, s.to_numpy(float), color=color, ls=ls, lw=1.2, label=label + label_suffix)
    ax.legend(loc="best", fontsize=8)


def equity_chart(a: RunAnalysis) -> bytes:
    """Equity of the hedged book, its unhedged twin and the two scaled unhedged books."""

    bench = benchmark_curves(a)

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        for (label, s), color in zip(bench.items(), BENCH_COLORS, strict=False):
            ax.plot(s.index, s.to_numpy(float) / 1e6, color=color, lw=0.9, alpha=0.8, label=label)
        _books(ax, {k: v / 1e6 for k, v in a.books.items()})
        ax.set_ylabel("equity (USD million, log scale)")
        ax.set_yscale("log")
        plain = FuncFormatter(lambda v, _: f"{v:g}")
        ax.yaxis.set_major_formatter(plain)
        ax.yaxis.set_minor_formatter(plain)
        ax.tick_params(axis="y", which="minor", labelsize=7)
        ax.set_title("Equity (log scale), with benchmarks scaled to the same start")

    return render(draw)


BENCH_COLORS = ("#b7950b", "#6c3483")


def benchmark_curves(a: RunAnalysis) -> dict[str, pd.Series]:
    """Return SPX total return (approximate) and the CBOE indices on disk, from the capital."""
    eq = a.run.equity
    out: dict[str, pd.Series] = {}
    start = float(eq["hedged_equity_usd"].iloc[0])
    if "spx" in eq.columns and eq["spx"].notna().sum() > 1:
        out["SPX total return (approx., 1.8% dividends)"] = spx_total_return_usd(eq["spx"], start)
    out |= cboe_benchmark(pd.DatetimeIndex(eq.index), start)
    return out


def drawdown_chart(a: RunAnalysis) -> bytes:
    """Underwater curves (drawdown from the running peak, %) of every book."""

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        _books(ax, {k: drawdown_series(v) for k, v in a.books.items()})
        ax.set_ylabel("drawdown (%)")
        ax.set_title("Underwater: drawdown from the running peak")

    return render(draw)


def hedge_layers_chart(a: RunAnalysis) -> bytes:
    """Market value of the hedge stacked by instrument over time."""
    hl = a.run.hedge_layers
    idx = a.run.equity.index

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        if hl.empty:
            ax.text(0.5, 0.5, "no hedge positions in this run", ha="center", transform=ax.transAxes)
        else:
            col = "instrument" if "instrument" in hl.columns else "layer"
            wide = hl.pivot_table(
                index="date", columns=col, values="market_value_usd", aggfunc="sum"
            )
            wide = wide.reindex(idx).fillna(0.0)
            names = sorted(
                wide.columns, key=lambda c: list(LAYER_COLORS).index(c) if c in LAYER_COLORS else 9
            )
            ax.stackplot(
                wide.index,
                *[wide[c].to_numpy(float) / 1e3 for c in names],
                labels=[str(c) for c in names],
                colors=[LAYER_COLORS.get(str(c), "#95a5a6") for c in names],
                alpha=0.8,
            )
            ax.legend(loc="upper left", fontsize=8)
        ax.set_ylabel("market value (USD thousand)")
        ax.set_title("Hedge layers by instrument")

    return render(draw)


def trigger_dates(decisions: pd.DataFrame) -> pd.DatetimeIndex:
    """Return the sessions on which any ``hedge.*`` rule fired."""
    if decisions.empty:
        return pd.DatetimeIndex([])
    d = decisions[decisions["rule"].str.startswith("hedge.") & (decisions["outcome"] == "fired")]
    return pd.DatetimeIndex(sorted(set(d["date"])))


def layer_changes(hedge_layers: pd.DataFrame, index: pd.DatetimeIndex) -> pd.DataFrame:
    """Return the sessions a hedge layer was added or removed: columns date, layer, change.

    A layer is held on a session when ``hedge_layers.csv`` lists contracts of it; ``added`` is
    the first session of a run of held sessions, ``removed`` the first session after it.
    """
    cols = ["date", "layer", "change"]
    if hedge_layers.empty:
        return pd.DataFrame(columns=cols)
    key = "layer" if "layer" in hedge_layers.columns else "instrument"
    held = hedge_layers[hedge_layers["contracts"].abs() > 0]
    rows = []
    for layer, g in held.groupby(key, sort=True):
        on = index.isin(pd.DatetimeIndex(g["date"])).astype(int)
        step = np.diff(np.r_[0, on])
        rows += [(index[i], str(layer), "added") for i in np.flatnonzero(step == 1)]
        rows += [(index[i], str(layer), "removed") for i in np.flatnonzero(step == -1)]
    return pd.DataFrame(rows, columns=cols).sort_values(["date", "layer"], ignore_index=True)


def vix_chart(a: RunAnalysis) -> bytes:
    """VIX (and the VX curve, faint) with a marker where a hedge layer was added or removed."""
    eq = a.run.equity
    changes = layer_changes(a.run.hedge_layers, pd.DatetimeIndex(eq.index))

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        for col, color, lw, alpha in (("vx1", "#2c7fb8", 0.7, 0.5), ("vx2", "#7fcdbb", 0.7, 0.5)):
            if col in eq.columns:
                ax.plot(
                    eq.index,
                    eq[col].to_numpy(float),
                    color=color,
                    lw=lw,
                    alpha=alpha,
                    label=col.upper(),
                )
        if "vix" in eq.columns:
            ax.plot(eq.index, eq["vix"].to_numpy(float), color="black", lw=1.3, label="VIX")
            for (layer, change), g in changes.groupby(["layer", "change"], sort=True):
                d = pd.DatetimeIndex(g["date"])
                ax.scatter(
                    d,
                    eq.loc[d, "vix"].to_numpy(float),
                    marker="^" if change == "added" else "v",
                    facecolors=LAYER_COLORS.get(str(layer), "#95a5a6")
                    if change == "added"
                    else "none",
                    edgecolors=LAYER_COLORS.get(str(layer), "#95a5a6"),
                    s=18,
                    alpha=0.85,
                    zorder=3,
                    label=f"{str(layer).replace('_', ' ')} {change} ({len(d)})",
                )
        ax.legend(loc="upper left", fontsize=7, ncol=2)
        ax.set_ylabel("index points")
        ax.set_title("VIX, with each hedge layer's additions (filled) and removals (open)")

    return render(draw)


def monthly_heatmap_chart(a: RunAnalysis) -> bytes:
    """Monthly returns of the hedged book (%), years by months."""
    m = monthly_returns(a.books["hedged"])
    years = sorted({p.year for p in m.index})
    grid = np.full((len(years), 12), np.nan)
    for p, v in m.items():
        grid[years.index(p.year), p.month - 1] = v

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        ax.grid(False)
        lim = float(np.nanmax(np.abs(grid))) if np.isfinite(grid).any() else 1.0
        im = ax.imshow(grid, cmap="RdYlGn", vmin=-lim, vmax=lim, aspect="auto")
        ax.set_xticks(range(12), ["J", "F", "M", "A", "M", "J", "J", "A", "S", "O", "N", "D"])
        ax.set_yticks(range(len(years)), [str(y) for y in years])
        if len(years) <= 25:
            for i in range(len(years)):
                for j in range(12):
                    if np.isfinite(grid[i, j]):
                        ax.text(j, i, f"{grid[i, j]:.1f}", ha="center", va="center", fontsize=7)
        fig.colorbar(im, ax=ax, label="%")
        ax.set_title("Monthly returns of the hedged book (%)")

    height = max(2.5, 0.35 * len(years) + 1.2)
    return render(draw, (FIG_SIZE_IN[0], height))


def attribution_chart(a: RunAnalysis) -> bytes:
    """Cumulative P&L of each condor tier, each hedge layer, costs and the rest (cash interest)."""
    run = a.run
    eq = run.equity

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        explained = pd.Series(0.0, index=eq.index)
        for c in run.tier_pnl_columns + run.hedge_pnl_columns:
            s = eq[c].fillna(0.0)
            explained += s
            name = c.removeprefix("pnl_").removesuffix("_usd").replace("_", " ")
            ls = "--" if c.startswith("pnl_hedge_") else "-"
            ax.plot(eq.index, s.cumsum().to_numpy() / 1e3, ls=ls, lw=1.1, label=name)
        if "costs_usd" in eq.columns:
            ax.plot(
                eq.index,
                -eq["costs_usd"].fillna(0.0).cumsum().to_numpy() / 1e3,
                color="grey",
                lw=1.0,
                ls=":",
                label="costs paid (already inside the lines above)",
            )
        total = eq["hedged_equity_usd"] - float(eq["hedged_equity_usd"].iloc[0])
        rest = total - explained.cumsum() + float(explained.iloc[0])
        ax.plot(
            eq.index, rest.to_numpy() / 1e3, color="black", lw=0.8, label="rest (cash interest)"
        )
        ax.legend(loc="best", fontsize=7, ncol=2)
        ax.set_ylabel("cumulative P&L (USD thousand)")
        ax.set_title("P&L attribution of the hedged book")

    return render(draw)


def greeks_chart(a: RunAnalysis) -> bytes:
    """Dollar delta, vega per vol point and theta per day: one row per book, shared y axes."""
    eq = a.run.equity
    spec = (
        ("delta_usd", "delta (USD per SPX point)"),
        ("vega_usd_per_vol_pt", "vega (USD per vol point)"),
        ("theta_usd_per_day", "theta (USD per day)"),
    )

    def draw(fig: Figure) -> None:
        axes = fig.subplots(2, 3, sharex=True, sharey="col")
        for row, b in enumerate(("hedged", "unhedged")):
            color, _, label = BOOK_STYLE[b]
            for col, (name, title) in enumerate(spec):
                ax = axes[row][col]
                c = f"{b}_{name}"
                if c in eq.columns:
                    ax.plot(eq.index, eq[c].to_numpy(float) / 1e3, color=color, lw=0.6)
                ax.axhline(0.0, color="grey", lw=0.5)
                ax.set_title(f"{label}: {title}, thousands", fontsize=8)
                ax.tick_params(axis="x", labelrotation=30, labelsize=7)

    return render(draw, (FIG_SIZE_IN[0], 5.6))


def rolling_chart(a: RunAnalysis) -> bytes:
    """Trailing 12-month return and volatility of both books and the SPX benchmark."""
    curves = {k: v for k, v in a.books.items() if k in ("hedged", "unhedged")}
    bench = benchmark_curves(a)

    def draw(fig: Figure) -> None:
        ax1, ax2 = fig.subplots(1, 2)
        for name, s in curves.items():
            color, _, label = BOOK_STYLE[name]
            r = rolling_12m(s)
            ax1.plot(r.index, r["return_pct"].to_numpy(float), color=color, lw=1.0, label=label)
            ax2.plot(r.index, r["volatility_pct"].to_numpy(float), color=color, lw=1.0, label=label)
        for (label, s), color in zip(bench.items(), BENCH_COLORS, strict=False):
            r = rolling_12m(s)
            ax1.plot(r.index, r["return_pct"].to_numpy(float), color=color, lw=0.8, label=label)
        ax1.axhline(0.0, color="grey", lw=0.5)
        ax1.set_title("Trailing 12-month return (%)")
        ax2.set_title("Trailing 12-month volatility (%)")
        ax1.legend(loc="best", fontsize=7)
        for ax in (ax1, ax2):
            ax.tick_params(axis="x", labelrotation=30, labelsize=7)

    return render(draw)


def monthly_distribution_chart(a: RunAnalysis) -> bytes:
    """Histogram of the monthly returns of both books (same bins)."""
    m = {b: monthly_returns(a.books[b]) for b in ("hedged", "unhedged")}

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        allv = np.concatenate([v.to_numpy(float) for v in m.values()])
        allv = allv[np.isfinite(allv)]
        if len(allv) == 0:
            ax.text(0.5, 0.5, "no complete month", ha="center", transform=ax.transAxes)
            return
        edges = np.histogram_bin_edges(allv, bins=min(40, max(10, len(allv) // 6)))
        bins = [float(x) for x in edges]
        for b, v in m.items():
            color, _, label = BOOK_STYLE[b]
            ax.hist(
                v.to_numpy(float),
                bins=bins,
                color=color,
                alpha=0.45,
                label=f"{label} ({len(v)} months)",
            )
        ax.axvline(0.0, color="grey", lw=0.6)
        ax.set_xlabel("monthly return (%)")
        ax.set_ylabel("months")
        ax.legend(loc="best", fontsize=8)
        ax.set_title("Distribution of monthly returns")

    return render(draw)


def equity_overlay_chart(curves: dict[str, pd.Series]) -> bytes:
    """Equity of several runs' hedged books, each divided by its first value."""

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        for label, s in curves.items():
            ax.plot(s.index, s.to_numpy(float) / float(s.iloc[0]), lw=1.1, label=label)
        ax.legend(loc="best", fontsize=8)
        ax.set_ylabel("equity / starting equity")
        ax.set_title("Equity of each run (hedged book)")

    return render(draw)


CHARTS: dict[str, tuple[str, Callable[[RunAnalysis], bytes]]] = {
    "equity": ("Equity: hedged, unhedged, the smaller unhedged books and benchmarks", equity_chart),
    "drawdown": ("Underwater drawdowns", drawdown_chart),
    "rolling": ("Rolling 12 months: return and volatility", rolling_chart),
    "hedge_layers": ("Hedge layers over time", hedge_layers_chart),
    "vix_curve": ("VIX and the hedge layers added and removed", vix_chart),
    "monthly_returns": ("Monthly returns of the hedged book", monthly_heatmap_chart),
    "monthly_distribution": ("Distribution of monthly returns", monthly_distribution_chart),
    "attribution": ("P&L attribution", attribution_chart),
    "greeks": ("Greeks over time, book by book", greeks_chart),
}


def all_charts(a: RunAnalysis) -> dict[str, bytes]:
    """Return every chart of a run's report as ``{name: png_bytes}``."""
    return {name: fn(a) for name, (_, fn) in CHARTS.items()}
