"""STIX 2.1 objects: validation, Hoggar's types and extensions, and the version tables
(the store that writes and reads them is hoggar.store)."""
