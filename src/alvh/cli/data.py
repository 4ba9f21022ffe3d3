"""``alvh data``: import files into the local store, show what it holds, fetch public data."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table

if TYPE_CHECKING:
    import pandas as pd

    from alvh.market.import_report import ImportReport
    from alvh.market.store import Store

_STORE_HELP = "Store folder (default: $ALVH_STORE or the user data folder)."


def _console() -> Console:
    # Piped output (tests, logs) gets a wide fixed width rather than rich's 80 columns.
    return Console() if sys.stdout.isatty() else Console(width=140)


def _store(path: Path | None) -> Store:
    # The store (and pandas, pyarrow, the importers) loads when a command runs, not at start-up.
    from alvh.market.store import Store, default_store_path

    return Store(path or default_store_path())


def render_chain_quality(counts: pd.DataFrame, title: str, console: Console) -> None:
    """Print option chain rows and flag counts per quote date (per month beyond 31 dates)."""
    from alvh.market.chain_quality import QUALITY_FLAGS

    frame = counts.copy()
    unit = "date"
    if len(frame) > 31:
        unit = "month"
        frame["quote_date"] = frame["quote_date"].dt.to_period("M").dt.to_timestamp()
        frame = frame.groupby("quote_date", sort=True).sum().reset_index()
    t = Table(title=title)
    t.add_column(unit)
    for col in ("rows", *QUALITY_FLAGS):
        t.add_column(col, justify="right")
    fmt = "%Y-%m" if unit == "month" else "%Y-%m-%d"
    for row in frame.itertuples(index=False):
        values = [getattr(row, c) for c in ("rows", *QUALITY_FLAGS)]
        t.add_row(row.quote_date.strftime(fmt), *(f"{int(v):,}" for v in values))
    if len(frame) > 1:
        total = [int(frame[c].sum()) for c in ("rows", *QUALITY_FLAGS)]
        t.add_row("total", *(f"{v:,}" for v in total), style="bold")
    console.print(t)
    console.print(
        "  flagged rows are kept; pricing from quotes skips crossed, zero-bid and parity "
        "rows (flags: docs/data.md)",
        style="dim",
    )


def render_report(report: ImportReport, console: Console) -> None:
    """Print an import report: one line per file and series, then dropped rows and notes."""
    t = Table(title="import", show_lines=False)
    for col in ("file", "format", "status", "series", "rows", "first", "last"):
        t.add_column(col, justify="right" if col == "rows" else "left")
    for f in report.files:
        name = Path(f.path).name
        if not f.series:
            t.add_row(name, f.fmt, f.status, "", "", "", "")
        for k, s in enumerate(f.series):
            t.add_row(
                name if k == 0 else "",
                f.fmt if k == 0 else "",
                f.status if k == 0 else "",
                f"{s.table}:{s.series}",
                f"{s.rows:,}",
                s.first,
                s.last,
            )
    console.print(t)
    for f in report.files:
        for reason, n in sorted(f.dropped.items()):
            console.print(escape(f"  {Path(f.path).name}: dropped {n:,} rows: {reason}"))
        for note in f.notes:
            console.print(escape(f"  {Path(f.path).name}: {note}"), style="dim")
    for f in report.files:
        if f.chain_quality is not None and len(f.chain_quality):
            render_chain_quality(f.chain_quality, f"quote flags: {Path(f.path).name}", console)
    if report.changed:
        console.print(f"data id {report.data_id_before} -> [bold]{report.data_id_after}[/]")
    else:
        console.print(f"nothing changed; data id {report.data_id_after}")


def register(app: typer.Typer) -> None:
    """Add the ``data`` commands: import, status, fetch."""
    data = typer.Typer(
        help="Market data: import files into the local store, status, fetch.", no_args_is_help=True
    )
    app.add_typer(data, name="data")

    @data.command("import")
    def import_(
        paths: list[Path] = typer.Argument(..., help="Files or folders to import."),
        store: Path | None = typer.Option(None, "--store", help=_STORE_HELP),
        symbol: str | None = typer.Option(
            None,
            "--symbol",
            help="Index symbol for files that do not name it (e.g. SPX); for option chain "
            "files without a root column, the root (SPX or SPXW).",
        ),
    ) -> None:
        """Import CSV files (CBOE, CFE, Yahoo, FRED, events, shared/data) and option chains
        (CBOE DataShop, OptionsDX, HistoricalOptionData; quotes flagged, see docs/data.md)."""
        from alvh.market.store import expand_paths, import_paths

        console = _console()
        st = _store(store)
        files = expand_paths(paths)
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            console=console,
            transient=True,
            disable=not sys.stdout.isatty(),
        ) as bar:
            task = bar.add_task("importing", total=len(files))

            def step(p: Path) -> None:
                bar.update(task, advance=1, description=f"reading {p.name}")

            report = import_paths(st, files, symbol=symbol, progress=step)
        render_report(report, console)

    @data.command("status")
    def status(store: Path | None = typer.Option(None, "--store", help=_STORE_HELP)) -> None:
        """Show what the store holds: per table and series rows, first and last date, data id."""
        console = _console()
        st = _store(store)
        if st.is_empty():
            console.print(f"the store at {st.root} is empty; run 'alvh data import PATH...'")
            return
        t = Table(title=f"store {st.root}")
        for col in ("table", "series", "rows", "first", "last"):
            t.add_column(col, justify="right" if col == "rows" else "left")
        for s in st.summary():
            t.add_row(s.table, s.series, f"{s.rows:,}", s.first, s.last)
        console.print(t)
        quality = st.chain_quality()
        if quality is not None:
            render_chain_quality(quality, "option chain quote flags", console)
        m = st.manifest()
        console.print(f"{len(m['imports'])} imported files; data id [bold]{st.data_id}[/]")

    @data.command("fetch")
    def fetch(
        store: Path | None = typer.Option(None, "--store", help=_STORE_HELP),
        dest: Path | None = typer.Option(
            None, "--dest", help="Folder for the downloaded files (default: <store>/downloads)."
        ),
    ) -> None:
        """Download CBOE index histories and FRED series, then import them into the store."""
        from alvh.market.fetch import fetch_all
        from alvh.market.store import import_paths

        console = _console()
        st = _store(store)
        folder = dest or st.root / "downloads"
        with console.status("downloading") as spin:
            written = fetch_all(folder, progress=lambda d: spin.update(f"downloading {d.url}"))
        render_report(import_paths(st, [p for p, _ in written]), console)
