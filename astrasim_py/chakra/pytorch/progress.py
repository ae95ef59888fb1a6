"""A byte-based progress bar (tqdm on stderr) for reading large traces; silent when disabled."""

from __future__ import annotations

import sys


class Progress:
    """Advance by bytes read; shows MB/s and an ETA when enabled and stderr is a terminal."""

    def __init__(self, total_bytes: int, label: str, enabled: bool = True) -> None:
        self._bar = None
        if enabled:
            from tqdm import tqdm

            self._bar = tqdm(total=total_bytes, unit="B", unit_scale=True, desc=label,
                             file=sys.stderr, leave=False, disable=None)

    def advance(self, nbytes: int) -> None:
        """Count nbytes more as read."""
        if self._bar is not None and nbytes > 0:
            self._bar.update(nbytes)

    def close(self) -> None:
        """Remove the bar."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
