"""Run every benchmark (``bench/bench_*.py``) and print their figures.

Each module defines ``run() -> list[dict]``: one dict per measured case with at least ``name``
and the figures (seconds, rates, ratios against a baseline measured in the same process, peak
memory). Speed is never asserted in tests: it is measured here and reported in closing notes.
Usage: ``python bench/run.py [substring ...]`` to run only matching modules.
"""

from __future__ import annotations

import importlib.util
import json
import platform
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    mods = sorted(HERE.glob("bench_*.py"))
    if argv:
        mods = [m for m in mods if any(a in m.stem for a in argv)]
    results: dict[str, list[dict]] = {}
    for path in mods:
        spec = importlib.util.spec_from_file_location(path.stem, path)
        assert spec and spec.loader
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        print(f"== {path.stem}", flush=True)
        rows = mod.run()
        for row in rows:
            print("  " + ", ".join(f"{k}={v}" for k, v in row.items()), flush=True)
        results[path.stem] = rows
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    meta = {"python": sys.version.split()[0], "machine": platform.machine()}
    (out / "latest.json").write_text(json.dumps({"meta": meta, "results": results}, indent=2))
    print(f"results written to {out / 'latest.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
