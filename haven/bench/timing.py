"""How every benchmark times things: samples in milliseconds, their median and 95th percentile,
and the machine's CPU clock around a load. A figure is read against a baseline timed in the same
run, so it holds on a noisy machine."""

import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


class BenchRefused(Exception):
    """The bench cannot run here; the message says what to do."""


def elapsed_ms(action: Callable[[], object]) -> float:
    """How long one call of `action` took, in milliseconds."""
    begin = time.perf_counter()
    action()
    return (time.perf_counter() - begin) * 1000


def timed(action: Callable[[], object], repeats: int) -> list[float]:
    """`repeats` calls of `action`, each timed in milliseconds."""
    return [elapsed_ms(action) for _ in range(repeats)]


def p95(samples: list[float]) -> float:
    """The 95th percentile (the one sample there is, or 0 for none)."""
    if len(samples) < 2:
        return samples[0] if samples else 0.0
    return statistics.quantiles(samples, n=20, method="inclusive")[18]


@dataclass(frozen=True)
class CpuTimes:
    """The machine's CPU clock from /proc/stat, in seconds summed over all cores."""

    busy: float  # user, nice, system, irq and softirq: work done on this machine
    stolen: float  # given by the hypervisor to other machines while this one waited
    total: float

    @classmethod
    def now(cls) -> "CpuTimes | None":
        try:
            with open("/proc/stat") as stat:
                ticks = [int(x) for x in stat.readline().split()[1:9]]
        except (OSError, ValueError):
            return None
        if len(ticks) < 8:
            return None
        user, nice, system, idle, iowait, irq, softirq, steal = ticks
        per_second = os.sysconf("SC_CLK_TCK")
        busy = user + nice + system + irq + softirq
        return cls(
            busy / per_second, steal / per_second, (busy + idle + iowait + steal) / per_second
        )


def cpu_spent(
    before: CpuTimes | None, after: CpuTimes | None, requests: int
) -> tuple[float | None, float | None]:
    """Machine CPU per request in ms, and the stolen share of the time, between two readings."""
    if before is None or after is None or requests == 0:
        return None, None
    elapsed = after.total - before.total
    stolen = (after.stolen - before.stolen) / elapsed if elapsed > 0 else 0.0
    return round(1000 * (after.busy - before.busy) / requests, 3), round(stolen, 3)
