"""Interface languages: gettext catalogs (Babel), the current language, locale formatting.

The core speaks in message ids: code that reports something to a person marks the
English text with `N_` (a no-op Babel extracts) and returns a `Msg`; the edge (web,
command line) renders it in the reader's language with `render`. Catalogs live in
`hoggar/locale/<lang>/LC_MESSAGES/messages.po` and are compiled to `.mo` by
`scripts/i18n compile`; a test checks the compiled files match their sources.

Arabic is shown right to left with Western (Latin) digits, as in the Maghreb and the
Sahel's official documents; dates use CLDR's month names for each language.
"""

from __future__ import annotations

import gettext as _gettext
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any

from babel import Locale
from babel.dates import format_date as _format_date
from babel.dates import format_datetime as _format_datetime
from babel.numbers import format_decimal
from babel.support import Translations

LANGUAGES = ("ar", "fr", "en")
DEFAULT_LANGUAGE = "en"
LANGUAGE_NAMES = {"ar": "العربية", "fr": "Français", "en": "English"}
RTL_LANGUAGES = frozenset({"ar"})
DOMAIN = "messages"

_current: ContextVar[str] = ContextVar("hoggar_language", default=DEFAULT_LANGUAGE)


def N_(message: str) -> str:
    """Mark a string for translation where it is defined; translate it where it is shown."""
    return message


@dataclass(frozen=True)
class Msg:
    """A message for a person: a catalog id and the values of its {placeholders}."""

    msgid: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def render(self, lang: str | None = None) -> str:
        return render(self, lang)


@cache
def translations(lang: str) -> _gettext.NullTranslations:
    """The compiled catalog of `lang`; English is the source language (no catalog)."""
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}; expected one of {LANGUAGES}")
    if lang == DEFAULT_LANGUAGE:
        return _gettext.NullTranslations()
    directory = resources.files("hoggar").joinpath("locale")
    with resources.as_file(directory) as path:
        loaded = Translations.load(str(path), [lang], DOMAIN)
    if not isinstance(loaded, Translations):
        raise FileNotFoundError(f"no compiled catalog for {lang!r}: run scripts/i18n compile")
    return loaded


def normalize_language(value: str | None) -> str | None:
    """'ar', 'fr-FR', 'en_GB' → a supported language, or None."""
    if not value:
        return None
    base = value.strip().replace("_", "-").split("-", 1)[0].lower()
    return base if base in LANGUAGES else None


def negotiate(accept_language: str | None) -> str:
    """The best supported language of an Accept-Language header (q-values honoured)."""
    choices: list[tuple[float, int, str]] = []
    for i, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        lang = normalize_language(tag)
        if lang is None:
            continue
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if q > 0:
            choices.append((-q, i, lang))
    return min(choices)[2] if choices else DEFAULT_LANGUAGE


def current_language() -> str:
    return _current.get()


def set_language(lang: str) -> None:
    """Set the language of what this thread or task renders next."""
    _current.set(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)


@contextmanager
def language(lang: str) -> Iterator[None]:
    token = _current.set(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)
    try:
        yield
    finally:
        _current.reset(token)


def gettext(message: str) -> str:
    return translations(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_current.get()).ngettext(singular, plural, n)


def render(msg: Msg, lang: str | None = None) -> str:
    """A Msg in `lang` (default: the current language), placeholders filled."""
    with language(lang or _current.get()):
        text = gettext(msg.msgid)
    if not msg.params:
        return text
    try:
        return text.format(**{k: format_value(v) for k, v in msg.params.items()})
    except (KeyError, IndexError, ValueError):
        # A translation with a wrong placeholder must not hide the message itself.
        return msg.msgid.format(**{k: format_value(v) for k, v in msg.params.items()})


def is_rtl(lang: str | None = None) -> bool:
    return (lang or _current.get()) in RTL_LANGUAGES


@cache
def _locale(lang: str) -> Locale:
    return Locale.parse(lang)


def format_number(value: Any, lang: str | None = None) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "—"
    return format_decimal(value, locale=_locale(lang or _current.get()), numbering_system="latn")


def format_value(value: Any) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return format_number(value)
    return str(value)


def format_day(value: date | datetime | None, lang: str | None = None, fmt: str = "medium") -> str:
    if value is None:
        return "—"
    return _format_date(value, format=fmt, locale=_locale(lang or _current.get()))


def format_moment(value: datetime | None, lang: str | None = None, fmt: str = "medium") -> str:
    """A UTC timestamp in the reader's language (shown in UTC, as every node agrees on it)."""
    if value is None:
        return "—"
    return _format_datetime(value, format=fmt, tzinfo=None, locale=_locale(lang or _current.get()))


def country_name(code: str | None, lang: str | None = None) -> str:
    """An ISO 3166-1 alpha-2 code as the country's name in the reader's language (CLDR)."""
    if not code:
        return "—"
    return str(_locale(lang or _current.get()).territories.get(code.upper(), code))


def month_label(value: date | datetime, lang: str | None = None) -> str:
    return _format_date(value, format="MMM y", locale=_locale(lang or _current.get()))
