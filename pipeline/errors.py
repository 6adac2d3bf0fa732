"""The exceptions brief raises; the CLI turns each into one line and an exit code."""

EXIT_OK = 0
EXIT_SOME_FAILED = 1
EXIT_USAGE = 2
EXIT_MODEL = 3
EXIT_LOCKED = 75  # EX_TEMPFAIL: cron wrappers treat it as "try again later"


class BriefError(Exception):
    """Base class: a message meant for the user, and the exit code that goes with it."""

    exit_code = EXIT_SOME_FAILED


class UsageError(BriefError):
    """Bad paths, empty folders, unwritable output: the user must change the command."""

    exit_code = EXIT_USAGE


class ModelError(BriefError):
    """The model is missing, unverified, corrupt or not a language model."""

    exit_code = EXIT_MODEL


class LockedError(BriefError):
    """Another brief run holds the output folder."""

    exit_code = EXIT_LOCKED


class DocumentError(BriefError):
    """One document cannot be read; the run records it and goes on."""


class SkipDocument(DocumentError):
    """A file that is not a document (binary); skipped with a reason, not failed."""


class GenerationError(BriefError):
    """The model did not give a valid answer within the retries or the time limit."""
