"""``data fetch``: parsing of recorded downloads, and a fast NetworkError offline (no network)."""

from __future__ import annotations

import time
import urllib.error
from pathlib import Path

import pytest

from alvh.errors import DataFormatError, NetworkError
from alvh.market.fetch import Download, default_downloads, fetch_all, fetch_one, urllib_open

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "market"
RECORDED = {
    "/VIX_History.csv": FIX / "VIX_History.csv",
    "/VVIX_History.csv": FIX / "VVIX_History.csv",
    "fredgraph.csv?id=DFF": FIX / "FRED_DFF.csv",
}


def _recorded_opener(url: str, timeout_s: float) -> bytes:
    for key, path in RECORDED.items():
        if url.endswith(key):
            return path.read_bytes()
    raise urllib.error.URLError("not recorded")


def test_default_urls():
    urls = [d.url for d in default_downloads()]
    assert "https://cdn.cboe.com/api/global/us_indices/daily_prices/VIX_History.csv" in urls
    assert "https://fred.stlouisfed.org/graph/fredgraph.csv?id=DFF" in urls


def test_recorded_downloads_parse_and_are_written(tmp_path):
    picks = [d for d in default_downloads() if d.label in ("VIX", "VVIX", "DFF")]
    out = fetch_all(tmp_path, picks, opener=_recorded_opener)
    assert [p.name for p, _ in out] == ["VIX_History.csv", "VVIX_History.csv", "FRED_DFF.csv"]
    vix = out[0][1].pieces[0].frame
    assert vix["close"].tolist() == [12.85, 11.85, 11.67]
    assert out[2][1].pieces[0].table == "rates"
    assert (tmp_path / "VIX_History.csv").read_bytes() == (FIX / "VIX_History.csv").read_bytes()


def test_offline_fails_fast_with_network_error(tmp_path):
    def offline(url: str, timeout_s: float) -> bytes:
        raise urllib.error.URLError(OSError(101, "Network is unreachable"))

    with pytest.raises(NetworkError, match=r"cannot download .*VIX_History\.csv"):
        fetch_all(tmp_path, opener=offline)
    assert not any(tmp_path.iterdir())


def test_unreachable_url_with_real_urllib(tmp_path):
    # Port 9 on localhost: connection refused at once, no real network involved.
    d = Download("http://127.0.0.1:9/VIX_History.csv", "VIX_History.csv", "VIX")
    t0 = time.perf_counter()
    with pytest.raises(NetworkError):
        fetch_one(d, tmp_path, urllib_open, timeout_s=1.0)
    assert time.perf_counter() - t0 < 5.0


def test_changed_format_is_reported_not_written(tmp_path):
    d = Download("https://x/VIX_History.csv", "VIX_History.csv", "VIX")
    with pytest.raises(DataFormatError):
        fetch_one(d, tmp_path, lambda u, t: b"<html>maintenance</html>")
    assert not (tmp_path / "VIX_History.csv").exists()
