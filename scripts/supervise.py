#!/usr/bin/env python3
"""Run several long-lived commands as one service, the way scripts/serve.sh runs the web processes and
the background worker.

    supervise.py [--grace SECONDS] -- COMMAND [ARGS...] [-- COMMAND [ARGS...]]...

Starts every command in a process group of its own. SIGINT, SIGTERM or SIGHUP to the supervisor is
passed on as SIGTERM (a graceful stop for gunicorn and for Celery) to each command; when any command
ends on its own, the others are stopped the same way. Whatever is still running after the grace period
(default 40 s: gunicorn waits 30 s for requests in flight) is killed with its whole process group, and so
is anything a command leaves behind. A second signal kills at once. If the supervisor itself is killed,
each command receives SIGTERM from the kernel (Linux), so nothing is left running.

Exit status: 0 when stopped by a signal, otherwise the status of the command that ended first (1 if it
ended with 0: a service must not end).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

PR_SET_PDEATHSIG = 1
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def log(message: str) -> None:
    print(f"supervise: {message}", file=sys.stderr, flush=True)


def parse(argv: list[str]) -> tuple[float, list[list[str]]]:
    grace = 40.0
    args = list(argv)
    if args[:1] == ["--grace"] and len(args) > 1:
        grace = float(args[1])
        args = args[2:]
    if not args or args[0] != "--":
        raise SystemExit(__doc__)
    commands: list[list[str]] = []
    for arg in args:
        if arg == "--":
            commands.append([])
        else:
            commands[-1].append(arg)
    if not commands or any(not c for c in commands):
        raise SystemExit("supervise: an empty command")
    return grace, commands


def _die_with_parent_hook():
    """A pre-exec hook: the child gets SIGTERM when the supervisor dies, however it dies (Linux)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:
        return None
    parent = os.getpid()

    def hook() -> None:
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the supervisor died before the line above
            os._exit(1)

    return hook


def exited(process: subprocess.Popen) -> int | None:
    """The exit status of ``process`` if it has ended, without reaping it: while it is an unreaped
    zombie its id cannot be reused, so killing its process group afterwards cannot hit a stranger."""
    try:
        info = os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return process.returncode if process.returncode is not None else 0
    if info is None:
        return None
    return info.si_status if info.si_code == os.CLD_EXITED else 128 + info.si_status


def kill_group(process: subprocess.Popen, signum: int) -> None:
    try:
        os.killpg(process.pid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def left_behind(process: subprocess.Popen) -> list[int]:
    """Live processes still in the command's process group (its exited leader is not one of them)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z" and int(fields[2]) == process.pid:
                found.append(int(entry.name))
    return found


def main(argv: list[str]) -> int:
    grace, commands = parse(argv)
    children: list[subprocess.Popen] = []
    requested: list[int] = []

    def on_signal(signum: int, frame: object) -> None:
        if requested:  # a second signal: no more waiting
            for child in children:
                kill_group(child, signal.SIGKILL)
        requested.append(signum)

    for signum in STOP_SIGNALS:
        signal.signal(signum, on_signal)

    hook = _die_with_parent_hook()
    status = 0
    for command in commands:
        try:
            child = subprocess.Popen(command, start_new_session=True, preexec_fn=hook)  # noqa: S603, PLW1509
        except OSError as exc:
            log(f"cannot start {command[0]}: {exc}")
            status = 127
            break
        children.append(child)
        log(f"started {Path(command[0]).name} (pid {child.pid})")

    while status == 0 and not requested:
        for child, command in zip(children, commands, strict=False):
            code = exited(child)
            if code is not None:
                log(f"{Path(command[0]).name} (pid {child.pid}) ended with status {code}; stopping the others")
                status = code or 1
                break
        else:
            time.sleep(0.2)

    if requested:
        log(f"{signal.Signals(requested[0]).name}: stopping")
    for child in children:
        if exited(child) is None:
            try:
                os.kill(child.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    deadline = time.monotonic() + grace
    while len(requested) < 2 and time.monotonic() < deadline and any(exited(c) is None for c in children):
        time.sleep(0.1)
    # What a command started may still be ending (Celery's scheduler saves its schedule as it stops).
    settle = min(time.monotonic() + 10, deadline)
    while len(requested) < 2 and time.monotonic() < settle and any(left_behind(c) for c in children):
        time.sleep(0.1)
    for child, command in zip(children, commands, strict=False):
        name = Path(command[0]).name
        if exited(child) is None:
            log(f"{name} (pid {child.pid}) did not stop in {grace:g} s: killing it")
        elif stragglers := left_behind(child):
            log(f"{name} left {len(stragglers)} process(es) behind: killing them")
        kill_group(child, signal.SIGKILL)
        child.wait()
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
