"""Importers: turn the formats users have into canonical table pieces (see ``detect``)."""

from __future__ import annotations

from alvh.market.importers.common import FileResult, Piece
from alvh.market.importers.detect import detect, import_file

__all__ = ["FileResult", "Piece", "detect", "import_file"]
