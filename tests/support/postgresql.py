"""A PostgreSQL server of the tests' own: initdb in a temporary folder, started
on a free port on 127.0.0.1, stopped afterwards whatever happens.

initdb and postgres refuse to run as root (as CI does), so they run as an
unprivileged user through setpriv: Debian's `postgres` user, else `nobody`.
"""

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from infra.local.emulator import free_port
from infra.local.processes import dies_with_parent

START_TIMEOUT_SECONDS = 30


def postgresql_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        raise RuntimeError("PostgreSQL is not installed: bash infra/local/install-postgresql.sh")
    return found[-1].parent


def _unprivileged_user() -> pwd.struct_passwd | None:
    """Whom initdb and postgres run as: None when we are not root."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        return pwd.getpwnam("nobody")


def _as(user: pwd.struct_passwd | None) -> list[str]:
    if user is None:
        return []
    return ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--init-groups", "--"]


@dataclass(frozen=True)
class PostgreSQL:
    port: int
    bin: Path

    def url(self, database: str) -> str:
        return f"postgresql://catalyst@127.0.0.1:{self.port}/{database}"

    def psql(self, database: str, *args: str) -> None:
        subprocess.run(
            [str(self.bin / "psql"), "-q", "-v", "ON_ERROR_STOP=1", "-X", self.url(database), *args],
            check=True,
            capture_output=True,
        )

    def create_database(self, name: str, *, sql_file: Path | None = None) -> str:
        """A new database, loaded from `sql_file` (a dump, or a schema); its URL."""
        self.psql("postgres", "-c", f'CREATE DATABASE "{name}"')
        if sql_file is not None:
            self.psql(name, "-f", str(sql_file))
        return self.url(name)


@contextmanager
def postgresql_server() -> Iterator[PostgreSQL]:
    binaries = postgresql_bin()
    folder = Path(tempfile.mkdtemp(prefix="catalyst-pg-"))
    server = None
    try:
        user = _unprivileged_user()
        as_user = _as(user)
        if user is not None:
            shutil.chown(folder, user=user.pw_uid, group=user.pw_gid)
        data = folder / "data"
        subprocess.run(
            [*as_user, str(binaries / "initdb"), "-D", str(data), "-U", "catalyst", "--auth=trust", "-E", "UTF8"],
            check=True,
            capture_output=True,
        )
        port = free_port()
        # setpriv changes the user first, then dies_with_parent's setpriv arms the
        # parent-death signal (a change of user would clear it).
        command = [
            *as_user,
            *dies_with_parent(
                [
                    str(binaries / "postgres"),
                    "-D",
                    str(data),
                    "-p",
                    str(port),
                    "-k",
                    str(folder),
                    "-c",
                    "listen_addresses=127.0.0.1",
                    "-c",
                    "fsync=off",
                ]
            ),
        ]
        server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=(folder / "log").open("wb"))
        _wait_ready(binaries, port, server)
        yield PostgreSQL(port=port, bin=binaries)
    finally:
        if server is not None:
            server.terminate()  # SIGTERM: PostgreSQL's smart shutdown
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        shutil.rmtree(folder, ignore_errors=True)


def _wait_ready(binaries: Path, port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"PostgreSQL exited with status {server.returncode} while starting")
        ready = subprocess.run([str(binaries / "pg_isready"), "-h", "127.0.0.1", "-p", str(port)], capture_output=True)
        if ready.returncode == 0:
            return
        time.sleep(0.2)
    raise RuntimeError("PostgreSQL did not start in time")
