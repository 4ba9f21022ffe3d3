"""A sweep's folder: the manifest, one row file per finished config, the results table.

Layout of ``--out DIR``::

    sweep.json            what was asked (base config hash, varied keys, random draw, points)
    rows/<hash>.json      one finished config (written atomically: temp file + rename)
    equity/<hash>.parquet its daily equity, both books (written before the row file)
    runs/<hash>/          its run directory, with --keep-runs
    results.parquet       the table, one row per config in grid order (rebuilt from rows/)
    results.csv           the same table as CSV

A row file exists only for a config that finished (ok or error), so a sweep killed part-way
and rerun with the same arguments runs only the configs without one.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from alvh.sweep import SweepError
from alvh.sweep.band import BAND_NUMBER_COLUMNS, BAND_TEXT_COLUMNS
from alvh.sweep.grid import SweepPoint, Vary
from alvh.sweep.task import CLAIM_COLUMNS, METRIC_COLUMNS, VERDICT_COLUMNS

MANIFEST = "sweep.json"
FLOAT_FORMAT = "%.10g"


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _json_safe(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def manifest(
    base_hash: str,
    varies: Sequence[Vary],
    n_random: int | None,
    seed: int,
    points: Sequence[SweepPoint],
    band: Sequence[str] = (),
) -> dict[str, Any]:
    """Return the manifest of a sweep (what identifies it for resume).

    ``band`` (the ``--band`` axes) is recorded only when given, so a sweep folder written
    before ``--band`` existed still resumes.
    """
    man: dict[str, Any] = {
        "base_config_hash": base_hash,
        "vary": [{"key": v.key, "values": list(v.values)} for v in varies],
        "random": n_random,
        "seed": seed,
        "points": [{"index": p.index, "config_hash": p.config_hash} for p in points],
    }
    if band:
        man["band"] = list(band)
    return man


def open_sweep_dir(out: Path, man: dict[str, Any]) -> None:
    """Create ``out`` with its manifest, or check that an existing one is the same sweep.

    Raises
    ------
    alvh.sweep.SweepError
        If ``out`` holds a different sweep (rerunning with other arguments would mix tables).
    """
    p = out / MANIFEST
    text = json.dumps(man, indent=2, sort_keys=True) + "\n"
    if p.is_file():
        old = json.loads(p.read_text())
        if old != json.loads(text):
            raise SweepError(
                f"{out} holds a different sweep (its {MANIFEST} has other configs); rerun with "
                "the same arguments to resume it, or choose another --out"
            )
        return
    if out.exists() and any(out.iterdir()):
        raise SweepError(
            f"{out} exists and is not a sweep folder (no {MANIFEST}); choose another --out"
        )
    _atomic_write(p, text.encode("utf-8"))


def row_path(out: Path, config_hash: str) -> Path:
    """Return the row file of a config."""
    return out / "rows" / f"{config_hash}.json"


def done_hashes(out: Path) -> set[str]:
    """Return the hashes of the configs that have a row file."""
    d = out / "rows"
    return {p.stem for p in d.glob("*.json")} if d.is_dir() else set()


def write_row(
    out: Path, point: SweepPoint, row: dict[str, Any], equity: pd.DataFrame | None
) -> None:
    """Write a finished config's equity (if any), then its row file, each atomically.

    The row file is written last: its presence means the config is complete.
    """
    if equity is not None:
        eq = equity.copy()
        eq.index.name = "date"
        _atomic_write(out / "equity" / f"{point.config_hash}.parquet", eq.to_parquet(index=True))
    full = {"index": point.index, "config_hash": point.config_hash, "varied": point.varied} | row
    text = json.dumps({k: _json_safe(v) for k, v in full.items()}, sort_keys=True, indent=1)
    _atomic_write(row_path(out, point.config_hash), (text + "\n").encode("utf-8"))


def _column(values: list[Any]) -> list[Any]:
    """Keep a varied column's values if they share one kind (numbers or strings), else as text."""
    kinds = {
        "num" if isinstance(v, int | float) and not isinstance(v, bool) else type(v).__name__
        for v in values
    }
    return values if len(kinds) <= 1 else [str(v) for v in values]


def results_table(
    out: Path, points: Sequence[SweepPoint], varies: Sequence[Vary], band: bool = False
) -> pd.DataFrame:
    """Return the table of the finished configs, in grid order (the same whatever the run order).

    Columns: ``index``, ``config_hash``, one per varied key (named by the key), ``status``,
    ``error``, ``run_id``, ``data_id``, ``alvh.sweep.task.METRIC_COLUMNS``, the three claims'
    verdicts (``VERDICT_COLUMNS``, text; empty for a failed config) and their numbers
    (``CLAIM_COLUMNS``), then each claim's verdict across its ``--band``
    (``alvh.sweep.band``: text) and ``band_runs``, only when ``band`` (the sweep ran with
    ``--band``). A row file written before a column existed has it empty/NaN.
    """
    rows = []
    for p in points:
        f = row_path(out, p.config_hash)
        if f.is_file():
            rows.append(json.loads(f.read_text()))
    cols = [
        "index",
        "config_hash",
        *(v.key for v in varies),
        "status",
        "error",
        "run_id",
        "data_id",
    ]
    table: dict[str, list[Any]] = {
        c: [] for c in [*cols, *METRIC_COLUMNS, *VERDICT_COLUMNS, *CLAIM_COLUMNS]
    }
    texts = (*VERDICT_COLUMNS, *(BAND_TEXT_COLUMNS if band else ()))
    numbers = (*METRIC_COLUMNS, *CLAIM_COLUMNS, *(BAND_NUMBER_COLUMNS if band else ()))
    table |= {c: [] for c in (*texts, *numbers)}
    for r in rows:
        for c in ("index", "config_hash", "status", "error", "run_id", "data_id"):
            table[c].append(r.get(c))
        for v in varies:
            table[v.key].append(r["varied"].get(v.key))
        for c in texts:
            table[c].append(str(r.get(c) or ""))
        for c in numbers:
            x = r.get(c)
            table[c].append(math.nan if x is None else float(x))
    for v in varies:
        table[v.key] = _column(table[v.key])
    df = pd.DataFrame(table)
    df["index"] = df["index"].astype("int64")
    for c in numbers:
        df[c] = df[c].astype("float64")
    data_ids = sorted({d for d in df["data_id"] if d})
    if len(data_ids) > 1:
        raise SweepError(
            f"{out}: rows were run on different market data ({', '.join(data_ids)}); the data "
            "changed since the sweep started: rerun it into a new --out"
        )
    return df


def write_results(out: Path, table: pd.DataFrame) -> tuple[Path, Path]:
    """Write ``results.parquet`` and ``results.csv`` atomically; return their paths."""
    pq, csv = out / "results.parquet", out / "results.csv"
    _atomic_write(pq, table.to_parquet(index=False))
    text = table.to_csv(index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
    _atomic_write(csv, text.encode("utf-8"))
    return pq, csv
