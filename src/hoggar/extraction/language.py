"""Which of Hoggar's languages a text is in: py3langid's model, limited to ar/fr/en."""

from __future__ import annotations

from functools import cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

LANGUAGES = ("ar", "fr", "en")


@cache
def _identifier() -> LanguageIdentifier:
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LANGUAGES))
    return identifier


def detect_language(text: str) -> str:
    """'ar', 'fr' or 'en' (the model ships inside the package: nothing is downloaded)."""
    sample = text[:4000]
    if not sample.strip():
        return "und"
    lang, _ = _identifier().classify(sample)
    return str(lang)
