"""User-facing errors: one clear line naming the file, the field and the fix."""

from __future__ import annotations

EXIT_INPUT_ERROR = 2
EXIT_SIM_ERROR = 3


class InputError(Exception):
    """Bad user input; the CLI prints it as one line and exits with code 2."""

    def __init__(self, message: str, *, file: str | None = None, field: str | None = None,
                 fix: str | None = None) -> None:
        self.file = file
        self.field = field
        self.fix = fix
        self.detail = message
        super().__init__(self.one_line())

    def one_line(self) -> str:
        """Render as `file: field: message (fix: ...)` on one line."""
        parts = []
        if self.file:
            parts.append(str(self.file))
        if self.field:
            parts.append(str(self.field))
        parts.append(self.detail)
        text = ": ".join(parts)
        if self.fix:
            text += f" (fix: {self.fix})"
        return " ".join(text.split())


class SimulationError(Exception):
    """The simulation itself failed (no progress, deadlock, invariant broken); exit code 3."""


EXIT_INTERRUPTED = 130


class Interrupted(KeyboardInterrupt):
    """SIGINT/SIGTERM stopped a run; `partial` is the result so far (the CLI writes it, exit 130)."""

    def __init__(self, reason: str, partial: dict | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.partial = partial or {}
