"""Measure whole commands as a user runs them: wall time and the peak RSS of the process tree.

Peak RSS is sampled from /proc every few milliseconds over the command and all its descendants
(the CLI, the program's child process, the policy pack processes) and summed, so it is what the
machine must hold at once, not only the CLI's share.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Run:
    seconds: float
    peak_rss_mb: float
    exit_code: int
    cpu_seconds: float  # user + system of the whole tree: steadier than wall time on a noisy machine


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def _tree_rss_kb(pid: int) -> int:
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
                    break
        except OSError:
            continue
        stack.extend(_children(current))
    return total


def run_once(command: list[str], cwd: Path, sample_every: float = 0.005) -> Run:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    while process.poll() is None:
        peak = max(peak, _tree_rss_kb(process.pid))
        time.sleep(sample_every)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(elapsed, peak / 1024, process.returncode, cpu)


def measure(command: list[str], cwd: Path, runs: int, warmups: int = 1) -> list[Run]:
    for _ in range(warmups):
        run_once(command, cwd)
    return [run_once(command, cwd) for _ in range(runs)]


def summary(name: str, results: list[Run]) -> str:
    times = sorted(r.seconds for r in results)
    rss = max(r.peak_rss_mb for r in results)
    cpu = statistics.median(r.cpu_seconds for r in results)
    return (
        f"{name}: median {statistics.median(times):.3f} s "
        f"(min {times[0]:.3f}, max {times[-1]:.3f}, n={len(times)}), CPU {cpu:.2f} s, peak RSS {rss:.0f} MB, "
        f"exit codes {sorted({r.exit_code for r in results})}"
    )


def cpu_note() -> str:
    return f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}"
