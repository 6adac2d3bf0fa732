"""How brief's errors reach the terminal: one line and an exit code, or a JSON event under --log-json."""

from __future__ import annotations

import errno
import functools
import os
import sys

import click

from .errors import BriefError
from .events import attempt, error_event, one_line, silence


class CliError(click.ClickException):
    """A BriefError shown as `Error: <one line>` with the error's own exit code."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code

    def show(self, file=None) -> None:
        """The error line, unless stderr is gone (`2>&1 | head`): the exit code still says it."""
        attempt(sys.stderr, super().show, file)  # silenced then: Python's flush at exit cannot make it 1


class Terminated(BaseException):
    """SIGTERM (a scheduler's timeout, a shutdown), raised like Ctrl-C so the lock is let go."""


def terminate(signum, frame):
    """The SIGTERM handler."""
    raise Terminated()


def friendly(fn):
    """Turn BriefError (and a Ctrl-C) into a one-line message instead of a traceback."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except BriefError as exc:
            message, code = one_line(str(exc)), exc.exit_code
        except KeyboardInterrupt:
            message, code = "interrupted; results written so far are kept", 130
        except Terminated:
            message, code = "terminated; results written so far are kept", 143
        if kwargs.get("log_json"):
            # A scheduler reading --log-json parses every stderr line: the error is an event too.
            error_event(message, code)
            sys.exit(code)
        raise CliError(message, code)

    return wrapper


class JsonErrors(click.Command):
    """A command whose mistyped options, under --log-json, are an error event like any other."""

    def make_context(self, info_name, args, parent=None, **extra):
        log_json = "--log-json" in args  # before parsing, which consumes args
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as exc:
            if not log_json:
                raise
            error_event(one_line(exc.format_message()), exc.exit_code)
            sys.exit(exc.exit_code)


def _command_path(command, kwargs) -> str:
    """The command the arguments name (`brief models verify`), for an error click raised before
    it knew: a missing option value."""
    args = kwargs.get("args")
    args = list(sys.argv[1:] if args is None else args)
    path = [kwargs.get("prog_name") or command.name]
    while args and isinstance(command, click.Group) and args[0] in command.commands:
        command = command.commands[args.pop(0)]
        path.append(command.name)
    return " ".join(path)


class GuardedStdout:
    """stdout that drops what it cannot take instead of raising: read by `| head`, a command's
    exit code is still its own (click's is 1 for a broken pipe, which cron reads as documents
    failed), and a full disk is one error line, not a traceback."""

    def __init__(self, stream):
        self._stream, self.error = stream, None

    def _guard(self, action, *args) -> None:
        if self.error is None:
            try:
                action(*args)
            except OSError as exc:
                self.error = exc
                silence(self._stream)  # Python's flush at exit then succeeds too

    def write(self, text):
        self._guard(self._stream.write, text)
        return len(text)

    def flush(self):
        self._guard(self._stream.flush)

    def __getattr__(self, name):
        return getattr(self._stream, name)


def run_guarded(command, **kwargs) -> int:
    """Run a click command with a GuardedStdout; its exit code, 2 if its output was lost to
    anything but a reader that left."""
    # A closed stdout (`>&-`) leaves Python none at all: its output goes nowhere, like a reader's.
    guard = sys.stdout = GuardedStdout(sys.stdout or open(os.devnull, "w", encoding="utf-8"))
    try:
        returned = command.main(standalone_mode=False, **kwargs)
        code = returned if isinstance(returned, int) else 0  # an int: the code of ctx.exit()
    except click.UsageError as exc:
        # One line, as every other error: click's own form takes four (usage, hint, blank, error).
        message = one_line(exc.format_message()).rstrip(".")
        where = exc.ctx.command_path if exc.ctx else _command_path(command, kwargs)
        # "Did you mean '--out'?" ends a sentence of its own
        message += f" See `{where} --help`" if message.endswith("?") else f"; see `{where} --help`"
        attempt(sys.stderr, click.echo, f"Error: {message}", err=True)
        code = exc.exit_code
    except click.ClickException as exc:
        exc.show()
        code = exc.exit_code
    except click.exceptions.Abort:
        attempt(sys.stderr, click.echo, "Aborted!", err=True)
        code = 1
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.stdout = guard._stream
    if guard.error is not None and guard.error.errno != errno.EPIPE:
        attempt(sys.stderr, click.echo, f"Error: standard output: cannot write "
                f"({guard.error.strerror or guard.error}); free disk space or send it elsewhere", err=True)
        code = code or 2
    return code
