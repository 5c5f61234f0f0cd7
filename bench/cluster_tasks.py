#!/usr/bin/env python3
"""Where a cluster command's time went, from the logs of bench/cluster.sh.

usage: cluster_tasks.py SCHEDULER_LOG EXECUTOR_LOG... (each the part of a log written
during one command's runs)

Prints one line, `jobs planning_s stages tasks busy_1_s busy_2_s ... median_ms max_ms`:
the jobs the scheduler planned and the time it spent planning them ("Job [..] planning
took"), the stages and tasks the executors ran ("Finished task : [TID job/stage.attempt/
task.attempt] in DURATION"), each executor's busy time (the sum of its tasks' times),
and the median and longest task.
"""
import re
import statistics
import sys

UNITS = {"ns": 1e-9, "µs": 1e-6, "us": 1e-6, "ms": 1e-3, "s": 1.0}
DURATION = re.compile(r"([0-9.]+)(ns|µs|us|ms|s)\b")
TASK = re.compile(r"Finished task\s*:\s*\[TID ([^/]+)/(\d+)\.\d+/\d+\.\d+\] in (\S+)")
PLANNING = re.compile(r"Job \[([^\]]+)\] planning took (\S+)")


def seconds(text):
    m = DURATION.fullmatch(text)
    if not m:
        raise SystemExit(f"cluster_tasks.py: {text!r} is not a duration")
    return float(m.group(1)) * UNITS[m.group(2)]


def main(scheduler, executors):
    jobs, planning = set(), 0.0
    with open(scheduler, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = PLANNING.search(line)
            if m:
                jobs.add(m.group(1))
                planning += seconds(m.group(2))
    stages, times, busy = set(), [], []
    for path in executors:
        total = 0.0
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                m = TASK.search(line)
                if m:
                    stages.add((m.group(1), m.group(2)))
                    t = seconds(m.group(3))
                    times.append(t)
                    total += t
        busy.append(total)
    median = statistics.median(times) * 1000 if times else 0.0
    longest = max(times) * 1000 if times else 0.0
    cells = [len(jobs), f"{planning:.2f}", len(stages), len(times)]
    cells += [f"{b:.2f}" for b in busy]
    cells += [f"{median:.1f}", f"{longest:.0f}"]
    print(" ".join(str(c) for c in cells))


if __name__ == "__main__":
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    main(sys.argv[1], sys.argv[2:])
