"""The `hoggar` command line: a thin layer over the services."""
