"""Re-fetch the partial plotly.js bundle the dashboard serves, at its pinned version, with npm.

The dashboard's charts use only scatter, bar and heatmap traces, all in plotly's "cartesian"
distributed bundle (1.4 MB minified against 4.8 MB for the full bundle the ``plotly`` Python
package ships), so the browser parses a third of the code on each navigation. npm publishes it
as ``plotly.js-cartesian-dist-min`` (MIT). The file is vendored under
``src/alvh/web/static/vendor/`` with its licence; nothing fetches it at run time. This script
downloads the pinned version with ``npm pack`` (run it when changing the pin, with network),
checks the sha256 and writes the two files.

    python scripts/fetch_plotly_bundle.py            # fetch, check, write
    python scripts/fetch_plotly_bundle.py --check    # only check the vendored file's sha256
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "plotly.js-cartesian-dist-min"
# The plotly.js version the installed ``plotly`` Python package bundles (plotly 6.9.0 ->
# plotly.js 3.7.0), so the partial and the fallback bundle draw the same charts.
VERSION = "3.7.0"
SHA256 = "7c593b9eda0e74a1d07335cf89cbf7a55ffc114909980c3729af835453bdb02a"
VENDOR = Path(__file__).resolve().parents[1] / "src" / "alvh" / "web" / "static" / "vendor"
TARGET = VENDOR / f"plotly-cartesian-{VERSION}.min.js"
LICENCE = VENDOR / f"plotly-cartesian-{VERSION}.LICENSE"


def sha256_of(path: Path) -> str:
    """Return the hex sha256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fetch() -> None:
    """Download the pinned package with ``npm pack``, check it and write the vendored files."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "pack", f"{PACKAGE}@{VERSION}", "--silent"], cwd=tmp, check=True)
        (tgz,) = Path(tmp).glob("*.tgz")
        with tarfile.open(tgz) as tar:
            tar.extractall(tmp, filter="data")
        js = Path(tmp) / "package" / "plotly-cartesian.min.js"
        got = sha256_of(js)
        if got != SHA256:
            sys.exit(f"{PACKAGE}@{VERSION}: sha256 {got}, expected {SHA256}; nothing written")
        VENDOR.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(js, TARGET)
        shutil.copyfile(Path(tmp) / "package" / "LICENSE", LICENCE)
    print(f"wrote {TARGET} ({TARGET.stat().st_size:,} bytes, sha256 ok) and {LICENCE.name}")


def main() -> None:
    """Fetch (default) or check the vendored bundle."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only check the vendored file")
    if ap.parse_args().check:
        ok = TARGET.is_file() and sha256_of(TARGET) == SHA256
        print(f"{TARGET.name}: {'ok' if ok else 'missing or sha256 differs'}")
        sys.exit(0 if ok else 1)
    fetch()


if __name__ == "__main__":
    main()
