"""Errors that the CLI renders as one line and exit code 2 (bad input)."""

from __future__ import annotations


class TierupError(Exception):
    """Bad input: an unreadable project, an invalid config, a program that raises, bad flags.

    Rendered by the CLI as ``error: <file>: <key>: <reason>`` (file and key when known).
    """

    exit_code = 2

    def __init__(self, reason: str, *, file: str | None = None, key: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.file = file
        self.key = key

    def __str__(self) -> str:
        parts = [p for p in (self.file, self.key) if p]
        return ": ".join([*parts, self.reason])
