"""The local market data store: imported tables as content-addressed Parquet files + a manifest.

Layout (``root`` = ``--store``, else ``$ALVH_STORE``, else the user data folder)::

    root/manifest.json            what was imported, the merged tables, the data id
    root/objects/<sha256>.parquet one table piece per imported file, and the merged tables

Every change writes new objects first and then swaps the manifest atomically (temporary file +
``os.replace``); a failure removes the objects it created, so the store is left as it was.
Re-importing a file whose content hash is already recorded changes nothing.

Merge rule: for each canonical table, rows of all imports are pooled; on equal keys the row of
the higher-ranked source wins (cleaned per-contract CFE > raw CFE files > derived panels >
continuous VX1..VX8; dedicated index files > multi-index close tables), and among equal ranks
the later import wins. Continuous VX1..VXn files only supply whole trade dates that no
per-contract source covers (their far months in 2007-2011 hold values for unlisted contracts). Re-importing a file under the same path replaces its earlier import.

``data_id``: the first 16 hex digits of the SHA-256 of the merged tables' content hashes.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from alvh.errors import DataFormatError, NoDataError, StoreError
from alvh.market.data import DataSource, MarketData
from alvh.market.import_report import (
    DATE_COLUMN,
    FileReport,
    ImportReport,
    SeriesSummary,
    summarise,
)
from alvh.market.importers.common import RANK_CONTINUOUS, FileResult, Piece
from alvh.market.importers.detect import import_file
from alvh.market.schema import TABLES

MANIFEST_FORMAT = 1
IMPORTABLE_SUFFIXES = (".csv", ".csv.gz", ".tar.gz", ".tgz", ".tar")
RATES_LOOKBACK = pd.Timedelta(days=14)  # so the first day of a window has a published rate


def default_store_path() -> Path:
    """Return ``$ALVH_STORE`` or the platform's user data folder + ``alvh/store``."""
    env = os.environ.get("ALVH_STORE")
    if env:
        return Path(env).expanduser()
    home = Path.home()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", home / "AppData" / "Local"))
    elif sys.platform == "darwin":
        base = home / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share")
    return base / "alvh" / "store"


def frame_hash(table: str, frame: pd.DataFrame) -> str:
    """Return the SHA-256 (hex) of a table's content: name, columns, and every value."""
    h = hashlib.sha256(table.encode())
    for col in frame.columns:
        h.update(col.encode())
        h.update(pd.util.hash_pandas_object(frame[col], index=False).to_numpy().tobytes())
    h.update(str(len(frame)).encode())
    return h.hexdigest()


class Store:
    """A local market data store (see the module docstring for layout and rules).

    Parameters
    ----------
    root
        The store folder; None means ``default_store_path()``. Created on first import.
    """

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root).expanduser() if root is not None else default_store_path()
        # A file where the folder should be: say so before reading "empty" or writing into it.
        for p in (self.root, *self.root.parents):
            if p.exists():
                if not p.is_dir():
                    what = (
                        "store folder"
                        if p == self.root
                        else f"parent of the store folder {self.root}"
                    )
                    raise StoreError(
                        f"{p} is a file, not a folder; expected the {what} "
                        "(an existing folder, or a path that does not exist yet)"
                    )
                break
        self.objects = self.root / "objects"
        self.manifest_path = self.root / "manifest.json"

    # -- reading ----------------------------------------------------------------------------
    def manifest(self) -> dict[str, Any]:
        """Return the manifest (an empty one when nothing was imported)."""
        if not self.manifest_path.exists():
            return {
                "format": MANIFEST_FORMAT,
                "imports": [],
                "next_seq": 1,
                "tables": {},
                "data_id": None,
                "summary": [],
            }
        try:
            m: dict[str, Any] = json.loads(self.manifest_path.read_text())
        except (OSError, ValueError) as e:
            raise StoreError(f"store manifest {self.manifest_path} is unreadable: {e}") from None
        if m.get("format") != MANIFEST_FORMAT:
            raise StoreError(
                f"store {self.root} has manifest format {m.get('format')!r}; "
                f"this alvh reads format {MANIFEST_FORMAT}"
            )
        return m

    def is_empty(self) -> bool:
        """Return whether the store holds no table rows."""
        return not any(t["rows"] for t in self.manifest()["tables"].values())

    @property
    def data_id(self) -> str | None:
        """Content id of what the store holds (None when empty)."""
        return self.manifest()["data_id"]

    def summary(self) -> list[SeriesSummary]:
        """Return per table and series: rows, first and last date."""
        return [SeriesSummary(**s) for s in self.manifest()["summary"]]

    def chain_quality(self) -> pd.DataFrame | None:
        """Return rows and quality flags per quote date of the stored option chains.

        None when the store holds no chains (see ``alvh.market.chain_quality.quality_counts``).
        """
        info = self.manifest()["tables"].get("option_chains")
        if not info or not info["rows"]:
            return None
        from alvh.market.chain_quality import quality_counts

        return quality_counts(self._read_object(info["object"]))

    def _read_object(self, sha: str) -> pd.DataFrame:
        path = self.objects / f"{sha}.parquet"
        try:
            return pq.read_table(path).to_pandas()
        except (OSError, pa.ArrowException) as e:
            raise StoreError(f"store object {path} is missing or corrupt: {e}") from None

    def load(
        self,
        start: str | date | pd.Timestamp | None = None,
        end: str | date | pd.Timestamp | None = None,
    ) -> MarketData:
        """Return the merged canonical tables as ``MarketData`` (kind ``store``).

        Parameters
        ----------
        start, end
            Keep rows dated in [start, end] (rates from 14 days before start, so the first day
            has a published rate; events whatever their date: calendars look ahead).

        Raises
        ------
        NoDataError
            If the store is empty.
        """
        m = self.manifest()
        if not m["tables"]:
            raise NoDataError(f"the store at {self.root} holds no data; run 'alvh data import'")
        lo = pd.Timestamp(start) if start is not None else None
        hi = pd.Timestamp(end) if end is not None else None
        tables: dict[str, pd.DataFrame] = {}
        for name, info in m["tables"].items():
            frame = self._read_object(info["object"])
            dcol = DATE_COLUMN.get(name)
            if dcol is not None and (lo is not None or hi is not None):
                d = frame[dcol]
                keep = np.ones(len(frame), dtype=bool)
                if lo is not None:
                    keep &= (d >= (lo - RATES_LOOKBACK if name == "rates" else lo)).to_numpy()
                if hi is not None:
                    keep &= (d <= hi).to_numpy()
                frame = frame[keep].reset_index(drop=True)
            tables[name] = frame
        for name in TABLES:
            tables.setdefault(name, TABLES[name].empty())
        span = ""
        if len(tables["index_bars"]):
            d = tables["index_bars"]["date"]
            span = f", {d.min().date()}..{d.max().date()}"
        desc = f"store {self.root} (data id {m['data_id']}{span})"
        return MarketData(tables, DataSource("store", str(m["data_id"]), desc))

    # -- writing ----------------------------------------------------------------------------
    def _write_object(self, table: str, frame: pd.DataFrame, created: list[Path]) -> str:
        sha = frame_hash(table, frame)
        path = self.objects / f"{sha}.parquet"
        if not path.exists():
            self.objects.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".tmp{os.getpid()}")
            pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), tmp)
            os.replace(tmp, path)
            created.append(path)
        return sha

    def _write_manifest(self, m: dict[str, Any]) -> None:
        tmp = self.manifest_path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(json.dumps(m, indent=1, sort_keys=True))
        os.replace(tmp, self.manifest_path)

    @contextlib.contextmanager
    def _locked(self) -> Any:
        self.root.mkdir(parents=True, exist_ok=True)
        lock = self.root / ".lock"
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            raise StoreError(
                f"the store {self.root} is locked by another import; if none is running, "
                f"delete {lock}"
            ) from None
        try:
            os.write(fd, str(os.getpid()).encode())
            os.close(fd)
            yield
        finally:
            lock.unlink(missing_ok=True)

    def commit(self, results: Sequence[tuple[str, str, FileResult]]) -> None:
        """Add imported files (source path, file SHA-256, result) and swap the manifest.

        On any failure the objects written by this call are removed and the manifest is left
        untouched.
        """
        created: list[Path] = []
        try:
            m = self.manifest()
            new_sources = {src for src, _, _ in results}
            imports = [e for e in m["imports"] if e["source"] not in new_sources]
            seq = int(m["next_seq"])
            fresh: dict[int, list[Piece]] = {}
            for src, sha, res in results:
                pieces = [
                    {
                        "table": p.table,
                        "rank": p.rank,
                        "rows": len(p.frame),
                        "object": self._write_object(p.table, _stored(p), created),
                    }
                    for p in res.pieces
                ]
                fresh[seq] = res.pieces
                imports.append(
                    {
                        "seq": seq,
                        "source": src,
                        "file_sha256": sha,
                        "format": res.fmt,
                        "pieces": pieces,
                        "dropped": dict(res.dropped),
                        "notes": res.notes,
                    }
                )
                seq += 1
            merged = _merge(imports, fresh, self._read_object)
            tables = {}
            summary: list[dict[str, Any]] = []
            for name, frame in merged.items():
                tables[name] = {
                    "object": self._write_object(name, frame, created),
                    "rows": len(frame),
                }
                summary += [s.__dict__ for s in summarise(name, frame)]
            ids = json.dumps({k: v["object"] for k, v in sorted(tables.items())})
            new = {
                "format": MANIFEST_FORMAT,
                "imports": imports,
                "next_seq": seq,
                "tables": tables,
                "summary": summary,
                "data_id": hashlib.sha256(ids.encode()).hexdigest()[:16],
            }
            self._write_manifest(new)
        except BaseException:
            for p in created:
                p.unlink(missing_ok=True)
            raise


def _stored(p: Piece) -> pd.DataFrame:
    """Return a piece as stored: canonical columns, source order kept."""
    return p.frame.reset_index(drop=True)


def _merge(
    imports: list[dict[str, Any]],
    fresh: dict[int, list[Piece]],
    read: Callable[[str], pd.DataFrame],
) -> dict[str, pd.DataFrame]:
    """Merge every import's pieces per table: highest rank, then latest import, wins a key."""
    parts: dict[str, list[pd.DataFrame]] = {}
    for entry in imports:
        in_memory = fresh.get(entry["seq"])
        for k, info in enumerate(entry["pieces"]):
            frame = in_memory[k].frame if in_memory is not None else read(info["object"])
            f = frame.copy()
            f["_rank"], f["_seq"] = info["rank"], entry["seq"]
            parts.setdefault(info["table"], []).append(f)
    out = {}
    for name, frames in parts.items():
        spec = TABLES[name]
        allf = pd.concat(frames, ignore_index=True)
        if name == "vx_settlements":
            # Continuous VX1..VXn files carry values for far months CFE had not listed or
            # traded (2007-2011): they only supply whole dates no per-contract source has.
            cont = (allf["_rank"] <= RANK_CONTINUOUS).to_numpy()
            covered = allf.loc[~cont, "date"].unique()
            allf = allf[~(cont & allf["date"].isin(covered).to_numpy())]
        key = list(spec.key)
        allf = allf.sort_values([*key, "_rank", "_seq"], kind="mergesort")
        allf = allf.drop_duplicates(key, keep="last")
        out[name] = spec.conform(allf.drop(columns=["_rank", "_seq"]))
    return out


def _is_optionsdx_txt(f: Path) -> bool:
    """OptionsDX ships ``.txt`` files; in a folder only those with its header are data."""
    if not f.name.lower().endswith(".txt"):
        return False
    try:
        with f.open("rb") as fh:
            head = fh.read(64)
    except OSError:
        return False
    return head.lstrip(b"\xef\xbb\xbf \t").startswith(b"[QUOTE_")


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Return the files to import: files as given, folders by their top-level data files.

    A folder's data files are its CSV/gzip/tar files and its OptionsDX ``.txt`` files.
    """
    out: list[Path] = []
    for raw in paths:
        p = Path(raw).expanduser()
        if p.is_dir():
            out += sorted(
                f
                for f in p.iterdir()
                if f.is_file()
                and (f.name.lower().endswith(IMPORTABLE_SUFFIXES) or _is_optionsdx_txt(f))
            )
        elif p.is_file():
            out.append(p)
        else:
            raise DataFormatError(str(p), None, None, None, "an existing file or folder")
    return out


def file_sha256(path: Path) -> str:
    """Return the SHA-256 (hex) of a file's bytes."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def import_paths(
    store: Store,
    paths: Iterable[str | Path],
    *,
    symbol: str | None = None,
    progress: Callable[[Path], None] | None = None,
) -> ImportReport:
    """Import files (or folders of files) into ``store``, all or nothing.

    Parameters
    ----------
    store
        The store.
    paths
        Files (CSV, ``.csv.gz``, ``.tar.gz``) or folders (their top-level data files).
    symbol
        Index symbol for files whose layout does not name it (Yahoo, CBOE OHLC).
    progress
        Called once per file before it is read (for a progress bar).

    Raises
    ------
    DataFormatError
        If any file is bad; nothing is imported then.
    StoreError
        If the store is locked or corrupt.
    """
    files = expand_paths(paths)
    with store._locked():
        m = store.manifest()
        known = {e["file_sha256"]: e for e in m["imports"]}
        reports: list[FileReport] = []
        todo: list[tuple[str, str, FileResult]] = []
        for f in files:
            if progress is not None:
                progress(f)
            sha = file_sha256(f)
            if sha in known:
                e = known[sha]
                reports.append(FileReport(str(f), e["format"], "unchanged"))
                continue
            known[sha] = {"format": "(repeated)"}
            res = import_file(f, symbol)
            series = [s for p in res.pieces for s in summarise(p.table, p.frame)]
            report = FileReport(
                str(f), res.fmt, "imported", series, dict(res.dropped), list(res.notes)
            )
            chains = [p.frame for p in res.pieces if p.table == "option_chains"]
            if chains:
                from alvh.market.chain_quality import quality_counts

                report.chain_quality = quality_counts(pd.concat(chains, ignore_index=True))
            reports.append(report)
            todo.append((str(f.resolve()), sha, res))
        before = m["data_id"]
        if todo:
            store.commit(todo)
        return ImportReport(reports, before, store.data_id)
