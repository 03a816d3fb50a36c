"""Text in three languages: normalisation, cross-script keys, name matching."""
