"""The server-rendered web interface: thin pages over the same services as the API."""
