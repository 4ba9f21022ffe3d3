"""A fingerprint of the package's own code, so a run id changes when the code does.

The package version alone does not move between commits; two runs of different code on the same
config and data must not share an id (results are keyed and compared by it).
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


@cache
def code_fingerprint() -> str:
    """Return 12 hex digits of sha256 over the package's .py and .toml files (path + bytes).

    Computed once per process; sorted paths make it the same on every machine.
    """
    h = hashlib.sha256()
    for path in sorted(_PACKAGE_DIR.rglob("*")):
        if path.suffix in (".py", ".toml") and "__pycache__" not in path.parts:
            h.update(path.relative_to(_PACKAGE_DIR).as_posix().encode())
            h.update(b"\0")
            h.update(path.read_bytes())
    return h.hexdigest()[:12]
