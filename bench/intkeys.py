#!/usr/bin/env python3
"""Integer keys against string ids: what joining on a dense integer per household and
per contact would save, measured on the validated cache of a real archive with
DataFusion's Python bindings (the same engine version as tiexin: `pip install
datafusion`), two partitions as tiexin uses on this machine.

    python3 bench/intkeys.py CACHE_DIR [RUNS]

CACHE_DIR is a validated cache folder (TIEXIN_CACHE_DIR); the newest visits,
households and assignments files in it are read. Each query runs on the string ids as
the rules do and again on integer keys (the row's index among the households' ids, and
among the contacts' ids), RUNS times (default 3), interleaved; the two give the same
row counts. Not a figure tiexin prints: a measure of a change not made (docs/performance.md,
"What remains").
"""
import glob
import os
import sys
import time

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc as ipc
from datafusion import SessionConfig, SessionContext


def load(cache, table, cols):
    files = glob.glob(os.path.join(cache, f"{table}-*.arrow"))
    if not files:
        sys.exit(f"{cache}: no {table}-*.arrow file")
    newest = max(files, key=os.path.getmtime)
    return ipc.open_file(newest).read_all().select(cols)


def key(col, ids):
    return pc.index_in(col, value_set=ids).cast(pa.int32())


QUERIES = {
    # queries/views/valid_visit.sql
    "valid_visit": """SELECT v.visit_id, v.{h}, v.visited_on FROM visits v
        JOIN households h ON h.{h} = v.{h}
        WHERE v.photos + v.videos >= 1 AND v.uploaded_on IS NOT NULL
          AND v.uploaded_on - v.visited_on BETWEEN 0 AND 30""",
    # queries/findings/V5_unassigned_visitor.sql, 2026Q3, on the assignments
    "V5": """SELECT h.union_id, v.visit_id, v.contact_id FROM visits v
        JOIN households h ON h.{h} = v.{h}
        WHERE v.visited_on BETWEEN DATE '2026-07-01' AND DATE '2026-09-30'
          AND NOT EXISTS (SELECT 1 FROM assignments a
                          WHERE a.{h} = v.{h} AND a.{c} = v.{c}
                            AND a.from_date <= v.visited_on
                            AND (a.to_date IS NULL OR a.to_date >= v.visited_on))""",
    # the households of queries/findings/V2_missed_two_quarters.sql without a visit
    "V2 visited": """SELECT count(*) FROM households h
        WHERE NOT EXISTS (SELECT 1 FROM visits v WHERE v.{h} = h.{h}
          AND v.visited_on BETWEEN DATE '2026-04-01' AND DATE '2026-09-30')""",
}


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    cache = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    h = load(cache, "households", ["household_id", "union_id", "filed_on"])
    v = load(cache, "visits", ["visit_id", "household_id", "contact_id", "visited_on",
                               "photos", "videos", "uploaded_on"])
    a = load(cache, "assignments", ["household_id", "contact_id", "from_date", "to_date"])
    hid = h.column("household_id").combine_chunks()
    cid = pc.unique(pa.concat_arrays([v.column("contact_id").combine_chunks(),
                                      a.column("contact_id").combine_chunks()]))
    h = h.append_column("hk", key(h.column("household_id"), hid))

    def keyed(t):
        t = t.append_column("hk", key(t.column("household_id"), hid))
        return t.append_column("ck", key(t.column("contact_id"), cid))

    v, a = keyed(v), keyed(a)
    print(f"households {h.num_rows}, visits {v.num_rows}, assignments {a.num_rows}")
    ctx = SessionContext(SessionConfig().with_target_partitions(2))
    for name, t in (("households", h), ("visits", v), ("assignments", a)):
        ctx.register_record_batches(name, [t.to_batches(max_chunksize=8192)])
    best = {}
    for _ in range(runs):
        for q, sql in QUERIES.items():
            for kind, cols in (("strings", ("household_id", "contact_id")),
                               ("integers", ("hk", "ck"))):
                text = sql.format(h=cols[0], c=cols[1])
                t = time.time()
                rows = sum(b.num_rows for b in ctx.sql(text).collect())
                took = time.time() - t
                k = (q, kind)
                best[k] = (min(took, best.get(k, (took, rows))[0]), rows)
    for q in QUERIES:
        s, i = best[(q, "strings")], best[(q, "integers")]
        assert s[1] == i[1], f"{q}: {s[1]} rows on strings, {i[1]} on integers"
        print(f"{q:12s} strings {s[0]:6.3f} s  integers {i[0]:6.3f} s  ({s[1]} rows)")


if __name__ == "__main__":
    main()
