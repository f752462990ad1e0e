"""The one kind of error the CLI reports as a single line on stderr with exit status 2."""


class UsageError(Exception):
    """A mistake in the command line or its inputs (a folder that is not there, a bad name...)."""
