"""Hoggar: a federated STIX 2.1 node for security cooperation between neighbouring states."""

__version__ = "0.1.0"
