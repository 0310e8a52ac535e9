"""Django's password hashes, verified as Django verifies them, so that users
imported from the seed log in with the passwords they have.

Every hasher of Django's default PASSWORD_HASHERS is here: PBKDF2-SHA256 (the
seed's), PBKDF2-SHA1, Argon2, BCrypt-SHA256 and scrypt. A successful login
replaces such a hash with our argon2id (passwords.needs_rehash), as Django does
when its first hasher changes. An unusable password ("!..." from
set_unusable_password) matches nothing.
"""

import base64
import hashlib
import hmac

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

UNUSABLE_PASSWORD_PREFIX = "!"  # noqa: S105 - a marker, not a password
# scrypt's memory bound: 128 * n * r bytes per lane, with room (Django's
# default n=2**14, r=8 needs 16 MiB).
SCRYPT_MAX_MEMORY = 64 * 1024 * 1024
# The parameters of a hash come from the seed's own database; these bounds only
# keep a corrupt row from costing more than a login can spend.
MAX_PBKDF2_ITERATIONS = 10_000_000


def _pbkdf2(digest: str, encoded: str, password: str) -> bool:
    _algorithm, iterations, salt, expected = encoded.split("$", 3)
    if not iterations.isdigit() or not 0 < int(iterations) <= MAX_PBKDF2_ITERATIONS:
        return False
    derived = hashlib.pbkdf2_hmac(digest, password.encode(), salt.encode(), int(iterations))
    return hmac.compare_digest(base64.b64encode(derived).decode("ascii").strip(), expected)


def _argon2(encoded: str, password: str) -> bool:
    # Django stores "argon2" followed by argon2's own encoding, "$argon2id$v=19$...".
    try:
        return PasswordHasher().verify("$" + encoded.split("$", 1)[1], password)
    except (VerificationError, InvalidHashError):
        return False


def _bcrypt_sha256(encoded: str, password: str) -> bool:
    # Imported here: only an account still holding such a hash needs it.
    import bcrypt

    prehashed = hashlib.sha256(password.encode()).hexdigest().encode("ascii")
    try:
        return bcrypt.checkpw(prehashed, encoded.split("$", 1)[1].encode("ascii"))
    except ValueError:
        return False


def _scrypt(encoded: str, password: str) -> bool:
    _algorithm, work_factor, salt, block_size, parallelism, expected = encoded.split("$", 5)
    try:
        derived = hashlib.scrypt(
            password.encode(),
            salt=salt.encode(),
            n=int(work_factor),
            r=int(block_size),
            p=int(parallelism),
            maxmem=SCRYPT_MAX_MEMORY,
            dklen=64,
        )
    except ValueError:
        return False
    return hmac.compare_digest(base64.b64encode(derived).decode("ascii").strip(), expected)


# Each hasher by the algorithm name a hash starts with, and how many "$" its encoding has.
_VERIFIERS = {
    "pbkdf2_sha256": (3, lambda encoded, password: _pbkdf2("sha256", encoded, password)),
    "pbkdf2_sha1": (3, lambda encoded, password: _pbkdf2("sha1", encoded, password)),
    "argon2": (5, _argon2),
    "bcrypt_sha256": (4, _bcrypt_sha256),
    "scrypt": (5, _scrypt),
}


def is_django_hash(encoded: str) -> bool:
    """Whether this is a hash that Django made (usable or not)."""
    return encoded.startswith(UNUSABLE_PASSWORD_PREFIX) or encoded.split("$", 1)[0] in _VERIFIERS


def verify_django_hash(encoded: str, password: str) -> bool:
    algorithm = encoded.split("$", 1)[0]
    if algorithm not in _VERIFIERS:
        return False
    separators, verify = _VERIFIERS[algorithm]
    if encoded.count("$") < separators:
        return False
    return verify(encoded, password)
