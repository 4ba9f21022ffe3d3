"""``alvh fidelity``: how true the model's prices are, as fidelity.html and fidelity.json.

Reads the real store (``alvh data import``), the CBOE index files and real chains; heavy modules
(the report, matplotlib, the replicas) load inside the command, not when the CLI starts.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from alvh.errors import AlvhError, NoDataError

if TYPE_CHECKING:
    import pandas as pd

_CHAIN_GLOBS = ("spx*_options_*.csv.gz", "spx*_options_*.csv")


def default_index_dir() -> Path | None:
    """Return ``$ALVH_SHARED_DATA/calibration`` when that folder exists."""
    env = os.environ.get("ALVH_SHARED_DATA")
    d = Path(env) / "calibration" if env else None
    return d if d is not None and d.is_dir() else None


def chain_inputs(
    chain_files: list[Path], store_chains: object, index_dir: Path | None
) -> list[tuple[str, str, object]]:
    """Return ``(source, id, frame)`` per chain source: files given, else the store, else defaults.

    Without ``--chain`` and with no chains in the store, the SPX chain files beside the index
    files (``spx*_options_*.csv[.gz]``) are read.
    """
    import pandas as pd

    from alvh.fidelity.chains import read_chain_file
    from alvh.fidelity.report import file_id

    files = list(chain_files)
    out: list[tuple[str, str, object]] = []
    if not files and isinstance(store_chains, pd.DataFrame) and not store_chains.empty:
        out.append(("store option_chains", "store", store_chains))
    if not files and not out and index_dir is not None:
        files = sorted({p for g in _CHAIN_GLOBS for p in index_dir.glob(g)})
    for p in files:
        if not p.is_file():
            raise NoDataError(f"chain file not found: {p}")
        out.append((p.name, file_id(p), read_chain_file(p)))
    return out


def vix_section(data_dir: Path | None) -> pd.DataFrame | None:
    """Return the VIX-option errors of the shipped model on the real calibration chain.

    The chain (``calibration/vix_options_2024-06-03_closes.csv``) and that day's VX settles,
    VVIX, VIX and IRX are read from ``data_dir`` (the shared data folder); None when the chain
    is not there. Calls and puts of the rows the fit uses (stale prints dropped), monthly
    expiries on their VX settle, weeklies on the forward interpolated along the VX curve.
    """
    from alvh.market.vixoptions_fit import CALIBRATION_CHAIN_FILE

    if data_dir is None or not (data_dir / CALIBRATION_CHAIN_FILE).is_file():
        return None
    from alvh.market.vixoptions import VixOptionModel
    from alvh.market.vixoptions_fit import load_calibration_day, vix_option_fidelity

    day = load_calibration_day(data_dir)
    frame = vix_option_fidelity(day.used, VixOptionModel(day.vvix), calls_only=False)
    # Dates as ISO text: the table goes into fidelity.json as it is.
    return frame.assign(expiry=frame["expiry"].astype(str), quote_date=str(day.quote_date.date()))


def register(app: typer.Typer) -> None:
    """Add ``alvh fidelity`` to the app."""

    @app.command("fidelity")
    def fidelity_cmd(
        data: str = typer.Option("store", "--data", help="store (real data) or synthetic."),
        store: Path | None = typer.Option(None, "--store", help="Market data store folder."),
        out: Path = typer.Option(Path("fidelity"), "--out", help="Folder for the report."),
        split: str = typer.Option(
            "2015-12-31", "--split", help="Last in-sample date; 'none' for the whole window."
        ),
        indexes: Path | None = typer.Option(
            None,
            "--indexes",
            help="Folder of CBOE index files (default $ALVH_SHARED_DATA/calibration).",
        ),
        chain: list[Path] = typer.Option(
            [], "--chain", help="Real chain file (repeatable); default: the store's chains."
        ),
    ) -> None:
        """Compare index replicas with CBOE's indexes and the model surface with real quotes."""
        import pandas as pd
        from rich.console import Console

        from alvh.fidelity.report import build_report, write_report
        from alvh.market.load import load_market

        if data not in ("store", "synthetic"):
            raise AlvhError(f"--data {data!r}: expected store or synthetic")
        split_date: str | None = None
        if split.lower() != "none":
            try:
                split_date = str(pd.Timestamp(split).date())
            except ValueError:
                raise AlvhError(f"--split {split!r}: expected a date like 2015-12-31") from None
        index_dir = indexes if indexes is not None else default_index_dir()
        if index_dir is not None and not index_dir.is_dir():
            raise NoDataError(f"--indexes {index_dir}: not a folder")
        market = load_market(store, source=data)
        inputs = chain_inputs(chain, market.tables.get("option_chains"), index_dir)
        report = build_report(
            market,
            index_dir=index_dir,
            chain_inputs=inputs,
            split=split_date,
            vix=vix_section(index_dir.parent if index_dir is not None else None),
        )
        html_path, json_path = write_report(report, out)
        con = Console()
        con.print(f"wrote {html_path} and {json_path}")
        for ix in report.indexes:
            m = ix.windows.get("out_of_sample", ix.windows["whole"])
            con.print(
                f"{ix.name}: monthly corr {m.monthly_corr:.3f}, CAGR gap {m.cagr_gap_pp:+.2f} pp, "
                f"max DD gap {m.max_dd_gap_pp:+.1f} pp, years same sign "
                f"{m.sign_agree_years}/{len(m.years)} ({m.start.date()}..{m.end.date()})"
            )
        from alvh.fidelity.chains import headline

        for c in report.chains:
            h = headline(c.errors)
            con.print(
                f"{c.source}: mean |IV error| 5-50 delta, 14-60 DTE: puts "
                f"{_pts(h['P']['mean_abs_error_pts'])} (n={h['P']['count']}), calls "
                f"{_pts(h['C']['mean_abs_error_pts'])} (n={h['C']['count']})"
            )
        if report.vix is not None:
            calls = report.vix[(report.vix["delta_bucket"] == "all")]
            con.print(
                f"VIX options {report.vix['quote_date'].iloc[0]}: median |error| per expiry "
                + ", ".join(
                    f"{r.dte_days}d {r.median_abs_err_pct:.0f}%" for r in calls.itertuples()
                ),
                highlight=False,
            )
        for n in report.notes:
            con.print(f"[yellow]note:[/] {n}", highlight=False)


def _pts(v: float | int | None) -> str:
    return "n/a" if v is None else f"{float(v):.2f} pts"
