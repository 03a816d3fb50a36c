"""Local accounts, roles, sessions and API tokens."""
