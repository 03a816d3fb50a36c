"""Markings, release sets and the releasability rule every read path obeys."""
