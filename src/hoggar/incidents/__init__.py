"""The incident codebook: event types, sub-types, fields and precisions as translated data."""

from hoggar.incidents.codebook import (
    LANGUAGES,
    Codebook,
    CodebookError,
    EventType,
    Field,
    Grade,
    GradingScale,
    ItemKind,
    Precision,
    SubType,
    Text,
    Unit,
    check_incident_extension,
    load_codebook,
    parse_codebook,
)

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
