"""What the REST API and the web interface share over HTTP: sessions, sign-in and errors."""
