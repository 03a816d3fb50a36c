"""A seeded, realistic demo scenario: partners, places, armed groups, incidents and reports."""

from hoggar.demo.generator import build_scenario, seed_demo

__all__ = ["build_scenario", "seed_demo"]
