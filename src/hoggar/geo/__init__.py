"""Places and borders shipped with Hoggar."""
