"""A background thread that runs one job every `interval` seconds until stopped."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger("hoggar")


class Periodic(threading.Thread):
    def __init__(self, name: str, interval: float, job: Callable[[], object]) -> None:
        super().__init__(name=f"hoggar-{name}", daemon=True)
        self.interval, self.job = interval, job
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                self.job()
            except Exception:  # a failed pass is logged and retried at the next one
                log.exception("%s pass failed", self.name)

    def stop(self) -> None:
        self.stopped.set()
