"""Interface languages: complete catalogs, compiled files in step, negotiation, formats."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from hypothesis import given
from hypothesis import strategies as st

from hoggar.kernel import i18n

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "src" / "hoggar" / "locale"
PLACEHOLDER = re.compile(r"%\(\w+\)s|\{\w+\}")


def _catalog(lang: str):  # type: ignore[no-untyped-def]
    with (LOCALE / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f)


def test_the_catalogs_hold_every_string_of_the_code_and_templates(tmp_path: Path) -> None:
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            str(Path(sys.executable).with_name("pybabel")),
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            "-k",
            "N_",
            "-k",
            "ngettext:1,2",
            "--no-location",
            "--omit-header",
            "-o",
            str(pot),
            str(ROOT / "src" / "hoggar"),
        ],
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as f:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    assert len(wanted) > 150
    for lang in ("ar", "fr"):
        have = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog(lang) if m.id}
        missing = sorted(wanted - have)
        assert not missing, f"{lang}: run scripts/i18n all and translate {missing[:5]}"


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_every_string_is_translated_with_the_same_placeholders(lang: str) -> None:
    for message in _catalog(lang):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert not message.fuzzy, ids
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        for text in strings:
            assert text, f"{lang}: {ids[0]!r} is not translated"
            assert set(PLACEHOLDER.findall(text)) == wanted, (lang, ids[0], text)


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_the_compiled_catalog_matches_its_source(lang: str) -> None:
    directory = LOCALE / lang / "LC_MESSAGES"

    def key(value: object) -> object:
        return tuple(value) if isinstance(value, list | tuple) else value

    with (directory / "messages.mo").open("rb") as f:
        compiled = {key(m.id): key(m.string) for m in read_mo(f) if m.id}
    source = {key(m.id): key(m.string) for m in _catalog(lang) if m.id and not m.fuzzy}
    assert compiled == source, "run scripts/i18n compile"


def test_arabic_uses_six_plural_forms_and_picks_them_by_number() -> None:
    translations = i18n.translations("ar")
    forms = {
        translations.ngettext("%(num)s incident found.", "%(num)s incidents found.", n)
        for n in (0, 1, 2, 5, 11, 100)
    }
    assert len(forms) >= 4


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("ar-DZ,ar;q=0.9,fr;q=0.8", "ar"),
        ("fr-FR,fr;q=0.9,en;q=0.5", "fr"),
        ("de-DE,en;q=0.3,fr;q=0.7", "fr"),
        ("en;q=0,fr;q=0", "en"),
        ("", "en"),
        (None, "en"),
        ("*", "en"),
    ],
)
def test_accept_language_is_negotiated_by_quality(header: str | None, expected: str) -> None:
    assert i18n.negotiate(header) == expected


@given(st.text(max_size=80))
def test_negotiation_always_gives_a_supported_language(header: str) -> None:
    assert i18n.negotiate(header) in i18n.LANGUAGES


def test_dates_numbers_and_countries_follow_the_language() -> None:
    moment = datetime(2026, 4, 12, 5, 40, tzinfo=UTC)
    assert "avr." in i18n.format_day(moment, "fr")
    assert "أبريل" in i18n.format_day(moment, "ar", "long")
    assert i18n.format_day(moment, "ar") != i18n.format_day(moment, "en")
    assert i18n.format_number(12345, "fr") == "12\u202f345"
    assert i18n.format_number(12345, "en") == "12,345"
    assert i18n.format_number(12345, "ar").replace("٬", ",") == "12,345"  # Western digits
    assert i18n.country_name("ML", "fr") == "Mali"
    assert i18n.country_name("DZ", "ar") == "الجزائر"
    assert i18n.format_number(None) == "—"


def test_a_message_renders_in_the_language_asked_and_keeps_its_values() -> None:
    msg = i18n.Msg(i18n.N_("Must be between -{bound} and {bound}."), {"bound": 90})
    assert msg.render("en") == "Must be between -90 and 90."
    french = msg.render("fr")
    assert "90" in french and french != msg.render("en")
    assert "90" in msg.render("ar")
    with i18n.language("fr"):
        assert i18n.gettext("Dashboard") == "Tableau de bord"
    assert i18n.current_language() == "en"


def test_translation_files_compile_from_a_clean_copy(tmp_path: Path) -> None:
    """What scripts/i18n compile writes equals the committed .mo (byte for byte)."""
    from babel.messages.mofile import write_mo

    for lang in ("ar", "fr"):
        out = BytesIO()
        write_mo(out, _catalog(lang))
        committed = (LOCALE / lang / "LC_MESSAGES" / "messages.mo").read_bytes()
        assert out.getvalue() == committed, f"{lang}: run scripts/i18n compile"
