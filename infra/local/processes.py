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


def stop_on_signals() -> None:
    """SIGTERM and SIGHUP (a closed terminal) stop this process as Ctrl-C does: a KeyboardInterrupt."""
    for number in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, signal.default_int_handler)


def ignore_stop_signals() -> None:
    """Once stopping, stop once: make passes its own SIGTERM on too, so a process
    group's SIGTERM arrives twice, and a second KeyboardInterrupt would cut the
    cleanup short."""
    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, signal.SIG_IGN)
