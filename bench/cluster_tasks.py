#!/usr/bin/env python3
"""Where a cluster command's time went, from the logs of bench/cluster.sh.

usage: cluster_tasks.py SCHEDULER_LOG EXECUTOR_LOG... (each the part of a log written
during one command's runs)

Prints one line, `jobs planning_s stages tasks busy_1_s busy_2_s ... median_ms max_ms`:
the jobs the scheduler planned and the time it spent planning them ("Job [..] planning
took"), the stages and tasks the executors ran ("Finished task : [TID job/stage.attempt/
task.attempt] in DURATION"), each executor's busy time (the sum of its tasks' times),
and the median and longest task.

With --model WALL_SECONDS PARTITIONS it prints instead `executor_s serial_s busy_s
estimate_s`: executor_s is the time the stages take on the two measured executors,
stage by stage max(longest task, stage total / 2); serial_s is the rest of the wall
time (the client, scheduling, waiting between jobs); busy_s is all tasks' time; and
estimate_s = serial_s + busy_s / PARTITIONS, the wall time on PARTITIONS executors of
one core when the run was split into PARTITIONS (cluster-partitions), each stage's
tasks then spreading over them.
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


def model(wall, partitions, per_stage):
    """The estimate of --model from the task times of each stage."""
    executor = sum(max(max(t), sum(t) / 2) for t in per_stage.values())
    serial = max(wall - executor, 0.0)
    busy = sum(sum(t) for t in per_stage.values())
    print(f"{executor:.2f} {serial:.2f} {busy:.2f} {serial + busy / partitions:.2f}")


def main(scheduler, executors, wall=None, partitions=2):
    jobs, planning = set(), 0.0
    with open(scheduler, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = PLANNING.search(line)
            if m:
                jobs.add(m.group(1))
                planning += seconds(m.group(2))
    stages, times, busy, per_stage = set(), [], [], {}
    for path in executors:
        total = 0.0
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                m = TASK.search(line)
                if m:
                    stages.add((m.group(1), m.group(2)))
                    t = seconds(m.group(3))
                    per_stage.setdefault((m.group(1), m.group(2)), []).append(t)
                    times.append(t)
                    total += t
        busy.append(total)
    if wall is not None:
        model(wall, partitions, per_stage)
        return
    median = statistics.median(times) * 1000 if times else 0.0
    longest = max(times) * 1000 if times else 0.0
    cells = [len(jobs), f"{planning:.2f}", len(stages), len(times)]
    cells += [f"{b:.2f}" for b in busy]
    cells += [f"{median:.1f}", f"{longest:.0f}"]
    print(" ".join(str(c) for c in cells))


if __name__ == "__main__":
    args = sys.argv[1:]
    wall, partitions = None, 2
    if args[:1] == ["--model"]:
        wall, partitions, args = float(args[1]), int(args[2]), args[3:]
    if len(args) < 2:
        raise SystemExit(__doc__)
    main(args[0], args[1:], wall, partitions)
