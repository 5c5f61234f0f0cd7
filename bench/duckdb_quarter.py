"""DuckDB running tiexin's own SQL files for one quarter's findings (bench/quarter.sh).

usage: duckdb_quarter.py CACHE_DIR QUARTER RUNS

Reads the validated rows from the cache's Arrow files (the newest entry of each table,
with its integer keys) into DuckDB's memory, builds `union_closure` and `union_root`
as tiexin does, then runs what `tiexin findings --period QUARTER` runs: the views of
queries/views/, the quarter's tables of queries/quarter/, the rules of queries/findings/
for the quarter before with their majors kept as `previous_majors` (every rule but K1 and
those declared minor), and every rule for the quarter. Prints "<secs> s" for the fastest
of RUNS runs (from reading the Parquet files to the last rule) and the number of
findings, which must equal tiexin's.
"""

import datetime as dt
import glob
import os
import re
import sys
import time

import warnings

import duckdb
import pyarrow as pa

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "queries")
VIEWS = ["household_exit", "household_span", "assignment_span", "valid_visit", "union_city"]


def newest_entries(cache):
    """The newest validated entry of each table, and the newest integer keys of each
    (`keys-<table>-….arrow`, engine/src/sql/keys.rs), as two dicts by table name."""
    newest, keys = {}, {}
    for f in glob.glob(os.path.join(cache, "*.arrow")):
        parts = os.path.basename(f).split("-")
        into, table = (keys, parts[1]) if parts[0] == "keys" else (newest, parts[0])
        if table not in into or os.path.getmtime(f) > os.path.getmtime(into[table]):
            into[table] = f
    return newest, keys


def quarter_params(year, q):
    first = dt.date(year, 3 * q - 2, 1)
    last = (dt.date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1)) - dt.timedelta(days=1)
    py, pq_ = (year, q - 1) if q > 1 else (year - 1, 4)
    pfirst = dt.date(py, 3 * pq_ - 2, 1)
    return {
        "ps": first,
        "pe": last,
        "ys": dt.date(year, 1, 1),
        "year": year,
        "period": f"{year}Q{q}",
        "period_cn": f"{year}年第{q}季度",
        "pps": pfirst,
        "ppe": first - dt.timedelta(days=1),
        "prev_cn": f"{py}年第{pq_}季度",
    }


def sql(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def bind(text, params):
    """The SQL with each `$name` it names given as a DuckDB parameter."""
    text = re.sub(r"--[^\n]*", "", text)
    names = sorted(set(re.findall(r"\$([a-z_]+)", text)))
    return text, {n: params[n] for n in names}


def closure(con):
    rows = con.execute("SELECT union_id, parent_id FROM unions").fetchall()
    parent = dict(rows)
    root = next((u for u, p in rows if p is None), None)
    out = []
    for u, _ in rows:
        out.append((u, u, 0))
        chain, seen, cur, linked = [], {u}, u, False
        while True:
            if cur == root:
                linked = True
                break
            p = parent.get(cur)
            if p is not None and p in parent and p not in seen:
                seen.add(p)
                chain.append(p)
                cur = p
            else:
                break
        if linked:
            out.extend((a, u, k + 1) for k, a in enumerate(chain))
    closure = pa.table({
        "ancestor_id": pa.array([a for a, _, _ in out], pa.string()),
        "union_id": pa.array([u for _, u, _ in out], pa.string()),
        "depth": pa.array([d for _, _, d in out], pa.int64()),
    })
    con.register("closure_rows", closure)
    con.execute("CREATE TABLE union_closure AS SELECT * FROM closure_rows")
    con.unregister("closure_rows")
    con.execute("CREATE TABLE union_root AS SELECT ? AS union_id WHERE ? IS NOT NULL", [root, root])


def rules():
    files = sorted(glob.glob(os.path.join(ROOT, "findings", "*.sql")))
    return [(os.path.basename(f).split("_", 1)[0], f) for f in files]


def minor(path):
    with open(path, encoding="utf-8") as f:
        return "(minor)" in f.readline()


FINDING = (
    "rule VARCHAR, severity VARCHAR, union_id VARCHAR, subject_type VARCHAR, "
    "subject_id VARCHAR, contact_id VARCHAR, occurred_on DATE, detail VARCHAR"
)


def run_rules(con, params, keep, into=None):
    """Runs the quarter's tables, then the rules `keep` selects; their rows go to the
    table `into` (major ones only) or are fetched as Arrow. Returns the rows fetched."""
    for path in sorted(glob.glob(os.path.join(ROOT, "quarter", "*.sql"))):
        name = os.path.basename(path)[: -len(".sql")]
        text, p = bind(sql(path), params)
        con.execute(f"CREATE OR REPLACE TABLE {name} AS " + text, p)
    rows = 0
    for rule, path in rules():
        if not keep(rule, path):
            continue
        text, p = bind(sql(path), params)
        if into:
            con.execute(f"INSERT INTO {into} SELECT * FROM ({text}) WHERE severity = 'major'", p)
        else:
            rows += con.execute(text, p).to_arrow_table().num_rows
    return rows


def once(cache, year, q):
    con = duckdb.connect()
    # DataFusion's to_char (subsidies_paid, F5) is DuckDB's strftime, same format.
    con.execute("CREATE MACRO to_char(d, f) AS strftime(d, f)")
    entries, keys = newest_entries(cache)
    for table, f in entries.items():
        # The validated cache's Arrow IPC file, mapped, copied into DuckDB's own table,
        # with the integer keys tiexin's session adds beside the ids (the rules join on
        # them), row for row from the cache's keys file.
        rows = pa.ipc.open_file(pa.memory_map(f)).read_all()
        if table in keys:
            k = pa.ipc.open_file(pa.memory_map(keys[table])).read_all()
            for name in k.column_names:
                rows = rows.append_column(name, k.column(name))
        con.register("cached", rows)
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM cached")
        con.unregister("cached")
    closure(con)
    for v in VIEWS:
        con.execute(f"CREATE TABLE {v} AS " + sql(os.path.join(ROOT, "views", v + ".sql")))
    prev = quarter_params(year - (q == 1), 4 if q == 1 else q - 1)
    con.execute(f"CREATE TABLE previous_majors ({FINDING})")
    run_rules(con, prev, lambda r, p: r != "K1" and not minor(p), into="previous_majors")
    n = run_rules(con, quarter_params(year, q), lambda r, p: True)
    con.close()
    return n


def main():
    warnings.filterwarnings("ignore", message="Arrow output")
    cache, quarter, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    year, q = int(quarter[:4]), int(quarter[5])
    best, n = None, None
    for _ in range(runs):
        t0 = time.perf_counter()
        n = once(cache, year, q)
        secs = time.perf_counter() - t0
        best = secs if best is None else min(best, secs)
    print(f"{best:.2f} s ({n} findings)")


if __name__ == "__main__":
    main()
