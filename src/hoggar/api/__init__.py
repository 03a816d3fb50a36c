"""The REST API under /api and the TAXII 2.1 server under /taxii2/ (hoggar.app mounts them)."""
