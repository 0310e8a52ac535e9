"""Password hashing: our argon2id parameters (chalicelib/users/passwords.py)
against Django's default hasher, in the same run.

Django 5.2's default is PBKDF2-SHA256 with 1,000,000 iterations; one check
of a password costs one such derivation. Runs are interleaved, so that
machine noise hits all alike; the figures are medians.

    .venv/bin/python -m bench.password_hashing [--runs 11]
"""

import argparse
import base64
import hashlib
import os
from dataclasses import dataclass

from bench.stats import median, timed_ms
from chalicelib.users.passwords import hash_password, verify_password

DJANGO_PBKDF2_ITERATIONS = 1_000_000
PASSWORD = "correct horse battery"  # noqa: S105 (a benchmark's)


@dataclass
class HashingResult:
    runs: int
    argon2_parameters: str
    argon2_hash_ms: float
    argon2_verify_ms: float
    pbkdf2_ms: float
    # An account imported from the seed: its first login verifies the Django
    # hash (through users/django_hashes.py) and writes argon2id in its place.
    imported_first_login_ms: float

    @property
    def ratio(self) -> float:
        """argon2id's verification (what a login pays) over PBKDF2's."""
        return self.argon2_verify_ms / self.pbkdf2_ms


def measure(runs: int) -> HashingResult:
    stored = hash_password(PASSWORD)
    salt = os.urandom(16)
    imported = django_pbkdf2_hash(PASSWORD, salt.hex())
    hashing, verifying, pbkdf2, first_logins = [], [], [], []
    for _ in range(runs):
        hashing.append(timed_ms(lambda: hash_password(PASSWORD))[0])
        verifying.append(timed_ms(lambda: verify_password(stored, PASSWORD))[0])
        pbkdf2.append(
            timed_ms(lambda: hashlib.pbkdf2_hmac("sha256", PASSWORD.encode(), salt, DJANGO_PBKDF2_ITERATIONS))[0]
        )
        first_logins.append(timed_ms(lambda: verify_password(imported, PASSWORD) and hash_password(PASSWORD))[0])
    # "$argon2id$v=19$m=19456,t=2,p=1$salt$hash": the parameters the hash was made with.
    parameters = stored.split("$")[3]
    return HashingResult(
        runs=runs,
        argon2_parameters=parameters,
        argon2_hash_ms=median(hashing),
        argon2_verify_ms=median(verifying),
        pbkdf2_ms=median(pbkdf2),
        imported_first_login_ms=median(first_logins),
    )


def django_pbkdf2_hash(password: str, salt: str) -> str:
    """The seed's stored form: Django's PBKDF2PasswordHasher.encode."""
    derived = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), DJANGO_PBKDF2_ITERATIONS)
    return f"pbkdf2_sha256${DJANGO_PBKDF2_ITERATIONS}${salt}${base64.b64encode(derived).decode()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=11)
    result = measure(parser.parse_args().runs)
    print(f"password hashing, median of {result.runs} interleaved runs each:")
    print(f"  argon2id ({result.argon2_parameters}) hash    {result.argon2_hash_ms:7.1f} ms")
    print(f"  argon2id ({result.argon2_parameters}) verify  {result.argon2_verify_ms:7.1f} ms")
    print(f"  PBKDF2-SHA256, {DJANGO_PBKDF2_ITERATIONS:,} iterations  {result.pbkdf2_ms:7.1f} ms")
    print(f"  ratio argon2id verify / PBKDF2      {result.ratio:7.3f}")
    print(f"  an imported account's first login   {result.imported_first_login_ms:7.1f} ms (then the verify above)")


if __name__ == "__main__":
    main()
