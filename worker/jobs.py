"""The periodic jobs: each app registers its own in its AppConfig.ready().

A job is a function taking no arguments, safe to repeat and to run in several workers
at once; what it returns, if anything, is logged.
"""

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)


@dataclass
class PeriodicJob:
    function: Callable[[], object]
    every: datetime.timedelta
    next_run: float = field(default=0.0)

    @property
    def name(self):
        return f"{self.function.__module__}.{self.function.__qualname__}"

    def due(self, now):
        return now >= self.next_run

    def run(self, now):
        self.next_run = now + self.every.total_seconds()
        result = self.function()
        if result:
            logger.info("%s: %s", self.name, result)


_registered: dict[Callable, float] = {}


def register(function: Callable[[], object], *, every: float) -> None:
    """Run `function` every `every` seconds in each worker."""
    _registered[function] = every


def unregister(function: Callable[[], object]) -> None:
    _registered.pop(function, None)


def registered() -> list[Callable[[], object]]:
    return list(_registered)


def schedule() -> list[PeriodicJob]:
    """A fresh schedule of every registered job, each due at once."""
    return [
        PeriodicJob(function, datetime.timedelta(seconds=seconds))
        for function, seconds in _registered.items()
    ]
