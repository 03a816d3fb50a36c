"""Route modules of the REST API, one per domain."""
