"""The assessment of progress by theme, and situation reports (HTML and PDF)."""
