"""The incident codebook: event types, sub-types, fields and precisions as translated data."""

from hoggar.incidents.codebook import (
    LANGUAGES,
    Codebook,
    EventType,
    Field,
    Grade,
    GradingScale,
    ItemKind,
    Precision,
    SubType,
    Text,
    Unit,
)
from hoggar.incidents.codebook_check import check_incident_extension
from hoggar.incidents.codebook_load import CodebookError, load_codebook, parse_codebook

__all__ = [
    "LANGUAGES",
    "Codebook",
    "CodebookError",
    "EventType",
    "Field",
    "Grade",
    "GradingScale",
    "ItemKind",
    "Precision",
    "SubType",
    "Text",
    "Unit",
    "check_incident_extension",
    "load_codebook",
    "parse_codebook",
]
