"""The fidelity report: replicas against CBOE's indexes, the model surface against real quotes.

``build_report`` gathers the figures (pure data: ``FidelityReport``), ``report_json`` and
``report_html`` render them, ``write_report`` writes ``fidelity.json`` and ``fidelity.html``
together or not at all. Every figure names the market data id, the surface parameters' label
and, for real index levels and chains, the file's content id (first 16 hex digits of its
sha256). The JSON holds no clock time, so the same inputs give the same bytes.

The VIX-option section is a slot: ``FidelityReport.vix`` takes a tidy DataFrame (one row per
expiry x moneyness bucket, whatever error columns the VIX-option model reports) and
``vix_section_html`` renders it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import pandas as pd

from alvh.errors import AlvhError, NoDataError
from alvh.fidelity.chains import empty_errors, error_table, headline, iv_errors
from alvh.fidelity.metrics import TrackingMetrics, split_windows
from alvh.market.data import MarketData
from alvh.market.surface import DEFAULT_SURFACE_PARAMS, SpxVolSurface, SurfaceParams

DEFAULT_SPLIT: Final = "2015-12-31"
REPORT_INDEXES: Final = ("PUT", "PPUT", "BXM", "CLL")
INDEX_FILES: Final = {name: f"cboe_{name.lower()}_daily.csv" for name in REPORT_INDEXES}
INDEX_BREAKS: Final[dict[str, tuple[str, ...]]] = {
    # SOURCES.md section 7: CLL's level break on 2009-10-16; its 2020-02-28 close (925.45) is
    # suspect and the next return (+12.4% into 2020-03-02) with it. PUT has sparse anchor rows
    # before 2007: the return into its first daily row spans years.
    "CLL": ("2009-10-16", "2020-02-28", "2020-03-02"),
    "PUT": ("2007-01-03",),
}
"""Dates whose return into them is not used (chain-linked over), on top of the loader's flags."""

Replicator = Callable[[str, MarketData, SurfaceParams], pd.Series]
"""``(index name, market, surface params) -> daily replica level``."""


def params_label(params: SurfaceParams) -> str:
    """Return a label naming the surface parameters: where they come from and their hash.

    ``v<N>-<sha256[:12]>`` for the shipped versioned file (``surface_params.json``),
    ``legacy-<sha>`` for the January-2018 fit, ``params-<sha>`` for any other values; the hash
    is of the values themselves, so two labels are equal only for equal parameters.
    """
    blob = json.dumps(dataclasses.asdict(params), sort_keys=True).encode()
    digest = hashlib.sha256(blob).hexdigest()[:12]
    from alvh.market import surface

    legacy = getattr(surface, "LEGACY_SURFACE_PARAMS", None)
    path = getattr(surface, "SURFACE_PARAMS_FILE", None)
    if path is not None and Path(path).is_file():
        try:
            doc = json.loads(Path(path).read_text())
            if surface.load_surface_params(Path(path)) == params:
                return f"v{doc.get('version', '?')}-{digest}"
        except (AlvhError, ValueError, OSError):
            pass
    if legacy is not None and params == legacy:
        return f"legacy-{digest}"
    return f"params-{digest}"


def params_note(params: SurfaceParams) -> str:
    """Return where the surface parameters were fitted (the shipped file's note), if known."""
    from alvh.market import surface

    path = getattr(surface, "SURFACE_PARAMS_FILE", None)
    if path is not None and Path(path).is_file():
        try:
            if surface.load_surface_params(Path(path)) == params:
                doc = json.loads(Path(path).read_text())
                return f"{doc.get('note', '')} (data {doc.get('data_id', '?')})".strip()
        except (AlvhError, ValueError, OSError):
            pass
    if params == getattr(surface, "LEGACY_SURFACE_PARAMS", None):
        return "the January-2018 fit: 18 SPXW quote dates of one expiry (docs/calibration.md)"
    return "parameters given by the caller"


def file_id(path: Path) -> str:
    """Return the first 16 hex digits of a file's sha256 (its content id)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


@dataclass(frozen=True)
class IndexResult:
    """One index: its real and replica levels and tracking figures by window."""

    name: str
    real_id: str
    real: pd.Series
    replica: pd.Series
    breaks: tuple[str, ...]
    windows: dict[str, TrackingMetrics]


@dataclass(frozen=True)
class ChainResult:
    """The model's IV errors against one real chain file, all its quote dates."""

    source: str  # file name or "store"
    source_id: str
    errors: pd.DataFrame  # iv_errors rows of every quote date

    def dates(self) -> list[pd.Timestamp]:
        return sorted(pd.DatetimeIndex(self.errors["quote_date"]).unique())


@dataclass(frozen=True)
class FidelityReport:
    """Everything the fidelity page shows (no rendering)."""

    data_id: str
    data_description: str
    params_label: str
    split: str | None
    indexes: tuple[IndexResult, ...]
    chains: tuple[ChainResult, ...]
    notes: tuple[str, ...] = ()
    vix: pd.DataFrame | None = field(default=None)
    params_note: str = ""


def default_replicator() -> Replicator | None:
    """Return the fast replica of ``alvh.fidelity.replicas`` when this build has it."""
    try:
        from alvh.fidelity import replicas
        from alvh.market.surface import daily_inputs
    except ImportError:
        return None
    cache: dict[int, pd.DataFrame] = {}

    def run(name: str, market: MarketData, params: SurfaceParams) -> pd.Series:
        # The day-by-day model inputs are the same for every index: read them once.
        if id(market) not in cache:
            cache.clear()
            cache[id(market)] = daily_inputs(market, None, None)
        result = replicas.replicate(name, market, params, inputs=cache[id(market)])
        return pd.Series(result.level, dtype=float)

    return run


def load_real_index(name: str, index_dir: Path) -> tuple[pd.Series, tuple[str, ...]]:
    """Return an index's published daily levels and the dates whose returns are not used.

    Uses ``alvh.fidelity.indexes.load_index`` when this build has it and ``index_dir`` is the
    shared data's ``calibration`` folder (it drops holiday rows and PUT's sparse anchors and
    chain-links CLL's 2009 break), else reads ``cboe_<name>_daily.csv`` (``date,close``) as is.
    ``INDEX_BREAKS`` are chain-linked over either way.

    Raises
    ------
    NoDataError
        When the file is missing.
    """
    path = index_dir / INDEX_FILES.get(name, f"cboe_{name.lower()}_daily.csv")
    if not path.is_file():
        raise NoDataError(f"no {name} index file at {path}; pass --indexes DIR")
    s: pd.Series | None = None
    try:
        from alvh.fidelity import indexes
    except ImportError:
        indexes = None  # type: ignore[assignment]
    if indexes is not None and indexes.INDEX_FILES.get(name) == f"{index_dir.name}/{path.name}":
        s = indexes.load_index(name, index_dir.parent)
    if s is None:
        f = pd.read_csv(path, parse_dates=["date"])
        s = pd.Series(f["close"].to_numpy(float), index=pd.DatetimeIndex(f["date"]), name=name)
    return s, INDEX_BREAKS.get(name, ())


def index_results(
    market: MarketData,
    index_dir: Path,
    *,
    names: Sequence[str] = REPORT_INDEXES,
    split: str | None = DEFAULT_SPLIT,
    params: SurfaceParams = DEFAULT_SURFACE_PARAMS,
    replicator: Replicator | None = None,
) -> tuple[list[IndexResult], list[str]]:
    """Return each index's tracking figures (and notes on what was left out, and why)."""
    notes: list[str] = []
    if replicator is None:
        notes.append("index replicas: not in this build (alvh.fidelity.replicas missing)")
        return [], notes
    out = []
    for name in names:
        try:
            real, breaks = load_real_index(name, index_dir)
        except NoDataError as e:
            notes.append(f"{name}: {e}")
            continue
        replica = replicator(name, market, params)
        try:
            windows = split_windows(replica, real, split, breaks=breaks)
        except ValueError as e:
            notes.append(f"{name}: {e}")
            continue
        path = index_dir / INDEX_FILES.get(name, f"cboe_{name.lower()}_daily.csv")
        out.append(IndexResult(name, file_id(path), real, replica, breaks, windows))
    return out, notes


def chain_errors(
    market: MarketData, chains: pd.DataFrame, params: SurfaceParams = DEFAULT_SURFACE_PARAMS
) -> tuple[pd.DataFrame, list[str]]:
    """Return ``iv_errors`` rows of every quote date in ``chains`` (model built per date)."""
    frames, notes = [], []
    for day, rows in chains.groupby(pd.DatetimeIndex(chains["quote_date"]).normalize()):
        ts = pd.Timestamp(day)
        try:
            surf = SpxVolSurface.from_snapshot(
                market.snapshot(ts + pd.Timedelta(hours=16, minutes=15)), params
            )
        except NoDataError as err:
            notes.append(f"chain {ts.date()}: no model surface ({err})")
            continue
        e = iv_errors(rows, surf)
        if len(e):
            frames.append(e)
        else:
            notes.append(f"chain {ts.date()}: no usable out-of-the-money quote")
    if not frames:
        return empty_errors(), notes
    return pd.concat(frames, ignore_index=True), notes


def build_report(
    market: MarketData,
    *,
    index_dir: Path | None,
    chain_inputs: Sequence[tuple[str, str, pd.DataFrame]] = (),
    split: str | None = DEFAULT_SPLIT,
    params: SurfaceParams = DEFAULT_SURFACE_PARAMS,
    replicator: Replicator | None = None,
    vix: pd.DataFrame | None = None,
) -> FidelityReport:
    """Return the fidelity figures.

    Parameters
    ----------
    market
        The real store (the replicas and the model surfaces are built from it).
    index_dir
        Folder of CBOE index files (``cboe_<name>_daily.csv``); None leaves indexes out.
    chain_inputs
        ``(source name, content id, option_chains frame)`` per chain source.
    split
        Last in-sample date; None reports the whole window only.
    replicator
        Index replica function (``default_replicator()`` when None).
    vix
        Tidy VIX-option error table for the VIX section, or None.
    """
    notes: list[str] = []
    indexes: list[IndexResult] = []
    if index_dir is not None:
        indexes, n = index_results(
            market,
            index_dir,
            split=split,
            params=params,
            replicator=replicator or default_replicator(),
        )
        notes += n
    chains = []
    for source, source_id, frame in chain_inputs:
        errors, n = chain_errors(market, frame, params)
        notes += n
        chains.append(ChainResult(source, source_id, errors))
    return FidelityReport(
        data_id=market.source.data_id,
        data_description=market.source.description,
        params_label=params_label(params),
        split=split,
        indexes=tuple(indexes),
        chains=tuple(chains),
        notes=tuple(notes),
        vix=vix,
        params_note=params_note(params),
    )


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for rec in frame.to_dict(orient="records"):
        clean: dict[str, Any] = {}
        for k, v in rec.items():
            if isinstance(v, float):
                clean[str(k)] = round(v, 6) if math.isfinite(v) else None
            elif isinstance(v, pd.Timestamp):
                clean[str(k)] = v.date().isoformat()
            else:
                clean[str(k)] = v.item() if hasattr(v, "item") else v
        out.append(clean)
    return out


def chain_summary(c: ChainResult) -> dict[str, Any]:
    """Return one chain source's pooled and per-date tables as JSON-ready data."""
    per_date = []
    for day in c.dates():
        e = c.errors[c.errors["quote_date"] == day]
        per_date.append(
            {
                "quote_date": day.date().isoformat(),
                "headline": headline(e),
                "by_delta": _records(error_table(e, "delta_bucket")),
                "by_dte": _records(error_table(e, "dte_bucket")),
            }
        )
    return {
        "source": c.source,
        "source_id": c.source_id,
        "quote_dates": [d.date().isoformat() for d in c.dates()],
        "options_compared": len(c.errors),
        "headline": headline(c.errors),
        "by_delta": _records(error_table(c.errors, "delta_bucket")),
        "by_dte": _records(error_table(c.errors, "dte_bucket")),
        "per_date": per_date,
    }


def report_json(r: FidelityReport) -> dict[str, Any]:
    """Return the report as JSON-ready data (deterministic: no clock time)."""
    return {
        "data": {"data_id": r.data_id, "description": r.data_description},
        "surface_params": r.params_label,
        "surface_params_note": r.params_note,
        "split": r.split,
        "definitions": {
            "returns": "chain-linked over flagged breaks; months and years from common dates",
            "tracking_error": "sd (ddof=1) of replica minus index returns, x sqrt(12) or sqrt(252)",
            "iv_error": "model minus market mid IV, vol points, at the quote's moneyness K/F",
            "delta": "market undiscounted forward delta at the market IV, OTM options only",
        },
        "indexes": [
            {
                "name": ix.name,
                "real_file_id": ix.real_id,
                "breaks": list(ix.breaks),
                "windows": {k: m.to_dict() for k, m in ix.windows.items()},
            }
            for ix in r.indexes
        ],
        "chains": [chain_summary(c) for c in r.chains],
        "vix": None if r.vix is None else _records(r.vix),
        "notes": list(r.notes),
    }


def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a report is meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_report(r: FidelityReport, out_dir: Path) -> tuple[Path, Path]:
    """Write ``fidelity.html`` and ``fidelity.json`` into ``out_dir``; return their paths.

    Both are rendered before either is written, and each is written to a temporary file then
    renamed, so a failure leaves no half-written file.
    """
    from alvh.fidelity.report_html import report_html

    out_dir.mkdir(parents=True, exist_ok=True)
    body = json.dumps(report_json(r), indent=1, sort_keys=True) + "\n"
    page = report_html(r)
    if not out_dir.is_dir():
        raise AlvhError(f"cannot write the report: {out_dir} is not a folder")
    html_path, json_path = out_dir / "fidelity.html", out_dir / "fidelity.json"
    _atomic_write(json_path, body)
    _atomic_write(html_path, page)
    return html_path, json_path
