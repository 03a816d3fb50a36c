"""Federation: the TAXII 2.1 server, peers and sync, relaying, and offline bundles."""
