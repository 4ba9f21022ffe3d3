"""Real option chains from a file: read any supported layout into canonical rows.

The importers themselves live in ``alvh.market.importers.chains`` (they also serve
``alvh data import``); the quote flags in ``alvh.market.chain_quality``. This module reads a
path (CSV, gzipped or not, with or without a UTF-8 BOM or final newline) and returns the
canonical ``option_chains`` frame, for scripts and tests that do not go through the store.

Every reader raises ``DataFormatError`` naming the file, the 1-based line (header = line 1),
the column, the value and what was expected; nothing is returned half-read.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Final

import pandas as pd

from alvh.errors import DataFormatError
from alvh.market.chain_quality import QUALITY_FLAGS, validate_chains
from alvh.market.importers.chains import CHAIN_IMPORTERS, detect_chain_layout, read_chain_table
from alvh.market.importers.common import CsvTable, header_of
from alvh.market.importers.detect import decode_bytes

__all__ = [
    "CHAIN_READERS",
    "QUALITY_FLAGS",
    "VALIDATION_RULES",
    "read_cboe_datashop_chains",
    "read_chains",
    "read_hod_chains",
    "read_optionsdx_chains",
    "sniff_chain_layout",
    "validate_chains",
]

VALIDATION_RULES: Final = QUALITY_FLAGS
"""Rules of ``validate_chains``, in report order."""


def _table(path: str | Path) -> CsvTable:
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as e:
        raise DataFormatError(str(p), None, None, None, f"a readable file ({e.strerror})") from None
    return read_chain_table(decode_bytes(data, str(p)), str(p))


def _reader(layout: str) -> Callable[[str | Path], pd.DataFrame]:
    def read(path: str | Path, symbol: str | None = None) -> pd.DataFrame:
        res = CHAIN_IMPORTERS[layout](_table(path), symbol)
        (piece,) = res.pieces
        return piece.frame

    read.__name__ = f"read_{layout}_chains"
    read.__doc__ = f"""Read a {layout} chain file into canonical ``option_chains`` rows.

    Raises
    ------
    DataFormatError
        On a missing column (named) or a row that cannot be read.
    """
    return read


read_optionsdx_chains = _reader("optionsdx")
read_cboe_datashop_chains = _reader("cboe_datashop")
read_hod_chains = _reader("hod")

CHAIN_READERS: Final[dict[str, Callable[[str | Path], pd.DataFrame]]] = {
    "optionsdx": read_optionsdx_chains,
    "cboe_datashop": read_cboe_datashop_chains,
    "hod": read_hod_chains,
}
"""Chain readers by layout name."""


def sniff_chain_layout(path: str | Path) -> str:
    """Return the layout name of a chain file from its header (a key of ``CHAIN_READERS``).

    Raises
    ------
    DataFormatError
        If the file is empty or its header matches no chain layout.
    """
    p = Path(path)
    try:
        text = decode_bytes(p.read_bytes(), str(p))
    except OSError as e:
        raise DataFormatError(str(p), None, None, None, f"a readable file ({e.strerror})") from None
    header, line = header_of(text)
    if not header:
        raise DataFormatError(str(p), None, None, None, "a chain file with a header (it is empty)")
    layout = detect_chain_layout(header)
    if layout is None:
        raise DataFormatError(
            str(p),
            line,
            None,
            ",".join(header[:6]),
            "an OptionsDX, CBOE DataShop or HistoricalOptionData chain header",
        )
    return layout


def read_chains(path: str | Path, symbol: str | None = None) -> pd.DataFrame:
    """Read a chain file of any supported layout (detected from its header).

    Parameters
    ----------
    path
        CSV or ``.csv.gz``/``.txt`` file.
    symbol
        Root (SPX or SPXW) for layouts without a root column, overriding the file name.
    """
    layout = sniff_chain_layout(path)
    res = CHAIN_IMPORTERS[layout](_table(path), symbol)
    (piece,) = res.pieces
    return piece.frame
