"""Hoggar's own STIX types and extensions: a typed view of each, and the registry of types
that validation consults."""
