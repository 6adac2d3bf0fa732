"""How brief's errors reach the terminal: one line and an exit code, or a JSON event under --log-json."""

from __future__ import annotations

import functools
import sys

import click

from .errors import BriefError
from .events import attempt, error_event, one_line


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
