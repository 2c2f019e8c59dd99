"""An in-memory gateway for development: every message kept in `sent`, none leaves the machine."""
from __future__ import annotations

import itertools
import threading

from sms import Receipt, mainland_mobile


class MemorySms:
    provider = "memory"

    def __init__(self):
        self.sent: list[dict] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def send(self, phone: str, template: str, params: dict[str, str]) -> Receipt:
        number = mainland_mobile(phone)
        with self._lock:
            message_id = f"mem-{next(self._ids)}"
            self.sent.append({"phone": number, "template": template, "params": dict(params), "id": message_id})
        return Receipt(self.provider, message_id, number)
