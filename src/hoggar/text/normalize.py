"""Normalising names and text in Arabic and Latin scripts, and a cross-script key.

`normalize` gives the form every comparison and every search index uses: Arabic
orthographic variants merged (hamza and alef forms, alef maqsura and ya, taa marbuta
and ha, diacritics, tatweel, Arabic-Indic digits), Latin letters folded (accents,
case, ligatures), punctuation turned into spaces.

`skeleton` gives a consonant key that is the same for a name written in Arabic and in
its usual French or English transliterations (تمنراست, Tamanrasset → "tmnrst";
تمبكتو, Tombouctou, Timbuktu → "tmbkt"; دروكدال, Droukdel → "drkdl"). Sounds that the
two writings render differently share one class: q/k/g/gh/kh and ق ك غ خ; s/z/sh/ch
and س ز ش ص; t/th and ت ث ط; d/dh and د ذ ض. Vowels and h are dropped (Arabic writes few
vowels; h is often silent in transliterations).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Arabic: harakat, tanwin, shadda, sukun, superscript alef, Quranic marks.
_AR_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_AR_TABLE = str.maketrans(
    {
        "\u0640": None,  # tatweel
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ى": "ي",
        "ئ": "ي",
        "ؤ": "و",
        "ة": "ه",
        "ء": None,
        "ک": "ك",  # Persian forms typed on some keyboards
        "ی": "ي",
        "ې": "ي",
        "گ": "ك",
        "ڤ": "ف",  # Maghrebi v
        "ڨ": "ق",  # Maghrebi g
        "پ": "ب",
        **{chr(0x0660 + i): str(i) for i in range(10)},  # Arabic-Indic digits
        **{chr(0x06F0 + i): str(i) for i in range(10)},  # Eastern (Persian) digits
        "،": " ",
        "؛": " ",
        "؟": " ",
    }
)
_LATIN_SPECIAL = str.maketrans(
    {"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ł": "l", "ı": "i", "ʼ": "'"}
)
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)
_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f]")


class _CombiningTable(dict[int, int | None]):
    """A str.translate table that drops combining marks, filled as characters are met
    (lookups of known characters stay in C; a per-character Python loop cost twice as much)."""

    def __missing__(self, code: int) -> int | None:
        value = None if unicodedata.combining(chr(code)) else code
        self[code] = value
        return value


_NOT_COMBINING = _CombiningTable()


def is_arabic(text: str) -> bool:
    return bool(_ARABIC.search(text))


def normalize(text: str) -> str:
    """The comparable form of a name or text: see the module docstring."""
    text = unicodedata.normalize("NFKC", text)
    text = _AR_DIACRITICS.sub("", text).translate(_AR_TABLE)
    # Fold Latin: decompose, drop combining marks (Arabic marks are gone already).
    text = unicodedata.normalize("NFKD", text.casefold().translate(_LATIN_SPECIAL))
    text = text.translate(_NOT_COMBINING)
    text = _NON_WORD.sub(" ", text).replace("_", " ")
    return " ".join(text.split())


def tokens(text: str) -> list[str]:
    """`normalize(text).split()`, one white-space-separated piece at a time.

    Normalising never joins or splits across white space (every step maps characters
    or merges a mark into the letter before it), and a text repeats its words: each
    distinct piece is normalised once (a property test checks the two forms agree).
    """
    out: list[str] = []
    for piece in text.split():
        out += _piece_tokens(piece)
    return out


@lru_cache(maxsize=16384)
def _piece_tokens(piece: str) -> tuple[str, ...]:
    return tuple(normalize(piece).split())


_AR_ARTICLE = re.compile(r"^(?:وال|بال|فال|كال|لل|ال)(?=\w{2,})")
_AR_ARTICLE_FIRST = frozenset("وبفكلا")
_LATIN_ARTICLES = frozenset(
    {"al", "el", "ul", "le", "la", "les", "l", "the", "d", "de", "du", "des"}
)


def strip_articles(words: list[str]) -> list[str]:
    """Words without the Arabic article (ال, وال, بال…) or a Latin article/particle."""
    out = []
    for word in words:
        if word in _LATIN_ARTICLES:
            continue
        out.append(_AR_ARTICLE.sub("", word) if is_arabic(word) else word)
    return out or words


# The cross-script key.

_AR_SKELETON = {
    "ب": "b",
    "ت": "t",
    "ث": "t",
    "ط": "t",
    "ج": "j",
    "ح": "",
    "ه": "",
    "خ": "k",
    "ق": "k",
    "ك": "k",
    "غ": "k",
    "د": "d",
    "ذ": "d",
    "ض": "d",
    "ر": "r",
    "ز": "s",
    "ظ": "s",
    "س": "s",
    "ش": "s",
    "ص": "s",
    "ع": "",
    "ف": "f",
    "ل": "l",
    "م": "m",
    "ن": "n",
    "و": "",
    "ي": "",
    "ا": "",
}
# Latin: longest sequences first; every vowel, h, w and y is dropped.
_LATIN_RULES = [
    ("tch", "s"),
    ("dj", "j"),
    ("dz", "s"),
    ("sh", "s"),
    ("ch", "s"),
    ("kh", "k"),
    ("gh", "k"),
    ("th", "t"),
    ("dh", "d"),
    ("ph", "f"),
    ("ck", "k"),
    ("qu", "k"),
    ("gu", "k"),
    ("x", "ks"),
]
_LATIN_SINGLE = {
    "q": "k",
    "g": "k",
    "c": "k",
    "v": "f",
    "z": "s",
    "p": "b",
    "e": "",
    "a": "",
    "i": "",
    "o": "",
    "u": "",
    "y": "",
    "w": "",
    "h": "",
    "'": "",
}
_LATIN_RE = re.compile("|".join(re.escape(a) for a, _ in _LATIN_RULES))
_LATIN_MAP = dict(_LATIN_RULES)


def _latin_skeleton(word: str) -> str:
    # French soft c and g: "ce", "ci" sound s; "ge", "gi" sound j.
    word = re.sub(r"c(?=[eiy])", "s", word)
    word = re.sub(r"g(?=[ei])", "j", word)
    word = _LATIN_RE.sub(lambda m: _LATIN_MAP[m.group(0)], word)
    return "".join(_LATIN_SINGLE.get(c, c) for c in word)


@lru_cache(maxsize=65536)
def word_skeleton(word: str) -> str:
    """The consonant key of one normalised word ('' when it has no consonant)."""
    if is_arabic(word):
        raw = "".join(_AR_SKELETON.get(c, c if c.isdigit() else "") for c in word)
    else:
        raw = _latin_skeleton(word)
    out: list[str] = []
    for c in raw:
        if not out or out[-1] != c:  # doubled letters count once (Tamanrasset)
            out.append(c)
    return "".join(out)


def _initial_w(word: str) -> bool:
    """Does the word start with the consonant w (و, w, or French "ou" before a vowel)?"""
    if is_arabic(word):
        return word.startswith("و") and len(word) > 2
    return word.startswith("w") or bool(re.match(r"ou[aeiy]", word))


def key_variants(text: str) -> set[str]:
    """The compact consonant keys a name may have: the plain key, the key with a
    word-initial w kept (Ouallam, Wallam, والام), and for Arabic ج read as a hard g
    (جاو = Gao, جوسي = Gossi, as Egyptian and Sahelian usage writes it)."""
    words = strip_articles(tokens(text))
    plain = "".join(word_skeleton(w) for w in words)
    keys = {plain}
    keys.add("".join(("w" if _initial_w(w) else "") + word_skeleton(w) for w in words))
    if any(is_arabic(w) and "ج" in w for w in words):
        keys |= {k.replace("j", "k") for k in list(keys)}
    return {k for k in keys if k}


def skeleton(text: str) -> str:
    """The consonant key of a name: its words' keys, articles dropped, joined by spaces."""
    keys = [word_skeleton(w) for w in strip_articles(tokens(text))]
    return " ".join(k for k in keys if k)


SKELETON_PREFIX = "zq"  # marks key tokens in search documents; no word starts with it


def search_document(texts: list[str]) -> str:
    """The text a search index stores for a record: normalised words (articles kept and
    removed), then the cross-script key of each word, prefixed `zq`."""
    words: dict[str, None] = {}
    keys: dict[str, None] = {}
    for text in texts:
        for piece in text.split():
            for word in _piece_tokens(piece):
                if word not in words:
                    entries, entry_keys = _document_entries(word)
                    for entry in entries:
                        words[entry] = None
                    for key in entry_keys:
                        keys[key] = None
    return " ".join([*words, *keys])


@lru_cache(maxsize=16384)
def _document_entries(word: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A word's entries in a search document: itself and, for an Arabic word with the
    article, the bare word; the cross-script key of each (of two letters or more)."""
    entries = {word: None}
    if word[0] in _AR_ARTICLE_FIRST:  # the article pattern only matches Arabic words
        entries[_AR_ARTICLE.sub("", word)] = None
    keys = {SKELETON_PREFIX + k: None for w in entries if len(k := word_skeleton(w)) >= 2}
    return tuple(entries), tuple(keys)
