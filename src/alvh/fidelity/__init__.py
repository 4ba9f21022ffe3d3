"""Fidelity: how true the model's prices are to real ones (index replicas, chains, report)."""
