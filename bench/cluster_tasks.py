#!/usr/bin/env python3
"""Where a cluster command's time went, from the logs of bench/cluster.sh.

usage: cluster_tasks.py WALL_SECONDS PARTITIONS SCHEDULER_LOG EXECUTOR_LOG...
(each log the part written during one run of a command that took WALL_SECONDS, split
into PARTITIONS (cluster-partitions))

Prints two lines of Markdown table cells (to follow the command's own cells):

1. what the cluster did: the jobs the scheduler planned and the time it spent planning
   them ("Job [..] planning took"), the stages and tasks the executors ran ("Finished
   task : [TID job/stage.attempt/task.attempt] in DURATION"), each executor's busy
   time (the sum of its tasks' times), and the median and longest task;
2. what that says about more executors: the time the stages take on the two measured
   executors, stage by stage max(longest task, stage total / 2); the rest of the wall
   time (the client, scheduling, waiting between jobs); all tasks' time; and the rest
   plus all tasks' time / PARTITIONS, the wall time on PARTITIONS executors of one
   core, each stage's PARTITIONS tasks then running side by side.
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


def lines(path, pattern):
    """The matches of `pattern` in the file `path`, line by line."""
    with open(path, encoding="utf-8", errors="replace") as f:
        return [m for m in map(pattern.search, f) if m]


def main(wall, partitions, scheduler, executors):
    planned = lines(scheduler, PLANNING)
    planning = sum(seconds(m.group(2)) for m in planned)
    per_stage, busy = {}, []
    for path in executors:
        tasks = lines(path, TASK)
        for m in tasks:
            per_stage.setdefault((m.group(1), m.group(2)), []).append(seconds(m.group(3)))
        busy.append(sum(seconds(m.group(3)) for m in tasks))
    times = [t for ts in per_stage.values() for t in ts] or [0.0]
    cells = [str(len({m.group(1) for m in planned})), f"{planning:.2f} s"]
    cells += [str(len(per_stage)), str(sum(len(ts) for ts in per_stage.values()))]
    cells += [f"{b:.2f} s" for b in busy]
    cells += [f"{statistics.median(times) * 1000:.1f} ms", f"{max(times) * 1000:.0f} ms"]
    print(" | ".join(cells))

    on_two = sum(max(max(ts), sum(ts) / 2) for ts in per_stage.values())
    rest = max(wall - on_two, 0.0)
    total = sum(busy)
    print(f"{on_two:.2f} s | {rest:.2f} s | {total:.2f} s | {rest + total / partitions:.2f} s")


if __name__ == "__main__":
    if len(sys.argv) < 5:
        raise SystemExit(__doc__)
    main(float(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4:])
