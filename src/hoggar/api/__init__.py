"""The REST API under /api and the ASGI application that serves the node."""
