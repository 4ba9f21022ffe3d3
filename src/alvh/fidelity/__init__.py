"""Fidelity: CBOE strategy-index replicas priced on the model surface, and their real indexes.

``replicate`` runs one index's published rules on the model surface (``alvh.fidelity.replicas``);
``load_index`` reads Cboe's real history (``alvh.fidelity.indexes``). docs/indexes.md cites the
rules and lists every approximation.
"""

from alvh.fidelity.indexes import INDEX_FILES, load_index, load_index_table
from alvh.fidelity.replicas import INDEXES, ReplicaResult, replicate

__all__ = ["INDEXES", "INDEX_FILES", "ReplicaResult", "load_index", "load_index_table", "replicate"]
