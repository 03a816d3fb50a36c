"""Open sources: articles from files and RSS/Atom feeds, kept as STIX reports, read into
draft incidents that an analyst accepts, edits or rejects before anything is shared."""
