"""Settings, database sessions, errors and the clock shared by every domain."""
