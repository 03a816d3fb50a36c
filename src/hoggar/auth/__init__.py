"""Local accounts and roles, passwords, signing in and out, and API tokens (the session
cookie itself is hoggar.http.sessions)."""
