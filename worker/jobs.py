"""The periodic jobs: each app registers its own in its AppConfig.ready().

A job is a function taking no arguments, safe to repeat and to run in several workers
at once; what it returns, if anything, is logged. Jobs run one after another in their
thread ("periodic" unless registered with another): a job that may take long (calling
slow URLs) gets a thread of its own, so that it holds up nothing else.
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


DEFAULT_THREAD = "periodic"
_registered: dict[Callable, tuple[float, str]] = {}


def register(function: Callable[[], object], *, every: float, thread=DEFAULT_THREAD) -> None:
    """Run `function` every `every` seconds in each worker, in the thread named."""
    _registered[function] = (every, thread)


def unregister(function: Callable[[], object]) -> None:
    _registered.pop(function, None)


def registered() -> list[Callable[[], object]]:
    return list(_registered)


def threads() -> list[str]:
    return list(dict.fromkeys(thread for _, thread in _registered.values()))


def schedule(thread=DEFAULT_THREAD) -> list[PeriodicJob]:
    """A fresh schedule of the jobs of one thread, each due at once."""
    return [
        PeriodicJob(function, datetime.timedelta(seconds=seconds))
        for function, (seconds, in_thread) in _registered.items()
        if in_thread == thread
    ]
