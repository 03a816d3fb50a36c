"""Passwords: argon2id hashes, and which passwords may not be used (NIST SP 800-63B)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from hoggar.kernel.errors import Invalid, Problem

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# A hash to verify against when the user does not exist, so timing does not tell.
_dummy_hash: list[str] = []  # made on first use: hashing at import slows every command


def _dummy() -> str:
    if not _dummy_hash:
        _dummy_hash.append(_hasher.hash("hoggar-dummy-password"))
    return _dummy_hash[0]


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches the hash; a missing account (None) is checked against
    a dummy hash, so that the time taken does not tell whether the account exists."""
    try:
        return _hasher.verify(password_hash if password_hash is not None else _dummy(), password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


MIN_PASSWORD = 10
MAX_PASSWORD = 1024
# NIST SP 800-63B §5.1.1.2: length, no composition rules, but refuse what is known to
# be guessed first — the commonest long passwords (in the languages of the members'
# keyboards), a keyboard row or a run of digits, few distinct characters, the account
# name itself.
COMMON_PASSWORDS = frozenset(
    {
        "1234567890",
        "12345678910",
        "123456789a",
        "0123456789",
        "1111111111",
        "0987654321",
        "qwertyuiop",
        "azertyuiop",
        "qwertyuiop123",
        "azertyuiop123",
        "password123",
        "password1234",
        "password12345",
        "passwordpassword",
        "motdepasse",
        "motdepasse123",
        "iloveyou123",
        "administrator",
        "administrateur",
        "changeme123",
        "welcome123",
        "bienvenue123",
        "letmein12345",
        "football123",
        "1q2w3e4r5t",
        "1qaz2wsx3edc",
        "q1w2e3r4t5",
        "a1b2c3d4e5",
        "abcdefghij",
        "abcd123456",
        "aaaaaaaaaa",
        "zaq12wsxcde",
        "trustno1234",
    }
)


def password_problem(password: str, username: str = "") -> str | None:
    """Why a password may not be used, or None (checked on every password set)."""
    if len(password) < MIN_PASSWORD:
        return f"use at least {MIN_PASSWORD} characters"
    if len(password) > MAX_PASSWORD:
        return f"use at most {MAX_PASSWORD} characters"
    folded = password.casefold()
    if folded in COMMON_PASSWORDS or folded.rstrip("!.?") in COMMON_PASSWORDS:
        return "this password is among the first that attackers try"
    if len(set(folded)) < 4:
        return "use more than three different characters"
    letters = "".join(c for c in folded if c.isalpha())
    if letters and letters == "".join(c for c in username.casefold() if c.isalpha()):
        return "do not build it from the account name"
    return None


def check_password(password: str, username: str = "") -> None:
    problem = password_problem(password, username)
    if problem:
        raise Invalid("The password cannot be used.", [Problem("password", problem)])
