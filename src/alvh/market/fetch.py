"""Download the public CBOE index histories and FRED rate series (the only network use of alvh).

Each download is checked by parsing it with the importer of its format before it is kept, so a
changed or truncated file is reported, not stored. Offline, the first request fails at once
with ``NetworkError``.
"""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from alvh.errors import NetworkError
from alvh.market.importers.common import FileResult
from alvh.market.importers.detect import import_text

CBOE_URL = "https://cdn.cboe.com/api/global/us_indices/daily_prices/{name}_History.csv"
FRED_URL = "https://fred.stlouisfed.org/graph/fredgraph.csv?id={series}"
CBOE_INDEXES = ("VIX", "VIX9D", "VIX3M", "VIX6M", "VVIX", "SKEW")
FRED_SERIES = ("DFF",)
TIMEOUT_S = 10.0

Opener = Callable[[str, float], bytes]


@dataclass(frozen=True)
class Download:
    """One file to fetch: where from, the file name to write, and a label."""

    url: str
    filename: str
    label: str


def default_downloads() -> list[Download]:
    """Return the CBOE index histories and FRED series ``alvh data fetch`` downloads."""
    out = [Download(CBOE_URL.format(name=n), f"{n}_History.csv", n) for n in CBOE_INDEXES]
    out += [Download(FRED_URL.format(series=s), f"FRED_{s}.csv", s) for s in FRED_SERIES]
    return out


def urllib_open(url: str, timeout_s: float) -> bytes:
    """Return the body of ``url`` (GET, short timeout)."""
    req = urllib.request.Request(url, headers={"User-Agent": "alvh-data-fetch"})
    with urllib.request.urlopen(req, timeout=timeout_s) as resp:
        body: bytes = resp.read()
        return body


def fetch_one(
    d: Download, dest: Path, opener: Opener = urllib_open, timeout_s: float = TIMEOUT_S
) -> tuple[Path, FileResult]:
    """Download one file into ``dest`` after checking it parses; return (path, import result).

    Raises
    ------
    NetworkError
        If the host cannot be reached or answers with an error.
    alvh.errors.DataFormatError
        If the body is not a file of the expected format.
    """
    try:
        body = opener(d.url, timeout_s)
    except urllib.error.HTTPError as e:
        raise NetworkError(f"{d.url} answered HTTP {e.code} {e.reason}") from None
    except (urllib.error.URLError, OSError, TimeoutError) as e:
        reason = getattr(e, "reason", e)
        raise NetworkError(
            f"cannot download {d.url}: {reason}. Check the network (alvh needs none except "
            "for 'data fetch'), or import files you already have with 'alvh data import'."
        ) from None
    target = dest / d.filename
    text = body.decode("utf-8-sig", errors="replace")
    res = import_text(text, str(target))
    dest.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".part{os.getpid()}")
    tmp.write_bytes(body)
    os.replace(tmp, target)
    return target, res


def fetch_all(
    dest: Path,
    downloads: list[Download] | None = None,
    opener: Opener = urllib_open,
    timeout_s: float = TIMEOUT_S,
    progress: Callable[[Download], None] | None = None,
) -> list[tuple[Path, FileResult]]:
    """Download every file into ``dest``; stop at the first network error.

    Returns
    -------
    list of (path, FileResult)
        The files written, each parsed by its importer.
    """
    out = []
    for d in downloads if downloads is not None else default_downloads():
        if progress is not None:
            progress(d)
        out.append(fetch_one(d, dest, opener, timeout_s))
    return out
