"""Reconnecting after a dropped connection: wait 0.5 s, doubling to a ceiling, back to 0.5 s once connected
(the switch's listener and the Redis relay of the screen pops)."""
from __future__ import annotations

import threading


class Backoff:
    FIRST = 0.5

    def __init__(self, ceiling: float):
        self.ceiling = ceiling
        self.delay = self.FIRST

    def reset(self) -> None:
        """Connected: the next drop waits the first delay again."""
        self.delay = self.FIRST

    def wait(self, stop: threading.Event) -> bool:
        """Wait the current delay (True when `stop` was set meanwhile), then double it up to the ceiling."""
        stopped = stop.wait(self.delay)
        self.delay = min(self.delay * 2, self.ceiling)
        return stopped
