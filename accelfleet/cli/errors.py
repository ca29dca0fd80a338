"""The one exception a subcommand raises to end with a clear message instead of a traceback."""


class CLIError(Exception):
    """A user-facing failure: printed as one line, exits with ``exit_code``."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code
