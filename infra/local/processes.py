"""Child processes that never outlive the process that started them.

Linux's PR_SET_PDEATHSIG has the kernel signal a child when its parent dies,
however the parent dies: Ctrl-C, SIGTERM, a closed terminal, SIGKILL or a
crash. util-linux's `setpriv --pdeathsig` sets it and then runs the command.
The signal fires when the *thread* that started the child ends, so children
are started from the main thread (the runner, the test fixtures, the bench).
"""

import shutil
import signal

SETPRIV = shutil.which("setpriv")


def dies_with_parent(command: list[str]) -> list[str]:
    """`command`, wrapped so that it is killed (SIGKILL) when this process dies.

    Without setpriv (not Linux) the command runs as it is: then only an
    orderly stop ends it.
    """
    if SETPRIV is None:
        return command
    return [SETPRIV, "--pdeathsig", "KILL", "--", *command]


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def stop_on_signals() -> None:
    """SIGTERM and SIGHUP (a closed terminal) stop this process as Ctrl-C does: a KeyboardInterrupt, once."""
    for number in STOP_SIGNALS:
        signal.signal(number, _stop_once)


def _stop_once(signum: int, frame: object) -> None:
    # Once stopping, stop once: make passes its own SIGTERM on too, so a process
    # group's SIGTERM arrives twice, and a second KeyboardInterrupt would cut the
    # cleanup short. The later ones are ignored from here, before the first is
    # raised: ignoring them where it is caught left the unwinding in between
    # open to the second (seen under load in tests/integration/test_runner_lifecycle.py).
    ignore_stop_signals()
    raise KeyboardInterrupt


def ignore_stop_signals() -> None:
    for number in STOP_SIGNALS:
        signal.signal(number, signal.SIG_IGN)
