"""Fusion: the same event reported by several states, related incidents, alerts."""
