"""The database of STIX object versions: the write path, the index, queries, search and counts."""
