"""Password hashing with argon2id through argon2-cffi; hashes imported from
the seed are Django's, verified by django_hashes until the next login replaces them."""

import secrets
from functools import cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from chalicelib.users.django_hashes import UNUSABLE_PASSWORD_PREFIX, is_django_hash, verify_django_hash

# OWASP's minimum for argon2id: 19 MiB of memory, 2 iterations, 1 lane.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, hash_len=32, salt_len=16, type=Type.ID)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    if password_hash.startswith(UNUSABLE_PASSWORD_PREFIX):
        # Never a match; the decoy makes it cost what a wrong password costs.
        spend_verification_time(password)
        return False
    if is_django_hash(password_hash):
        return verify_django_hash(password_hash, password)
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether a hash that just verified should be replaced by ours: a Django
    hash, or argon2id with other parameters than today's."""
    return is_django_hash(password_hash) or _hasher.check_needs_rehash(password_hash)


@cache
def _decoy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def spend_verification_time(password: str) -> None:
    """Verify against a decoy so an unknown email costs what a wrong password costs."""
    verify_password(_decoy_hash(), password)
