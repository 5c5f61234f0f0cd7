#!/usr/bin/env python3
"""tiexin test oracle: an independent, literal Python implementation of
/work/shared/spec/metrics.md (metrics, the 21 finding rules, the award shortlist).

Usage:
  python3 tests/oracle/oracle.py --archive DIR metrics   --period 2026Q3|2026
  python3 tests/oracle/oracle.py --archive DIR findings  --period 2026Q3
  python3 tests/oracle/oracle.py --archive DIR shortlist --year 2026 [--size N] [--min-per-city 0|1]

Stdlib only, plus pyarrow to read <table>.parquet files. It does not validate the
archive: it assumes every row is valid (as the bundled sample-data is), trims values of
non-text columns, and reads an empty cell as NULL.

Readings of the spec (where metrics.md leaves room, this is what the oracle does):
 R1. Sums over no rows are 0 (funds_paid, funds_on_target, funds_flagged, budget,
     subsidies_paid print 0.00); a rate whose denominator is 0 is NULL (empty cell).
     budget_execution is NULL when the subtree has no budget rows for the year (or
     they sum to 0).
 R2. A union that is not linked to the root has a subtree of itself only (every union
     below it is unlinked too).
 R3. A visit whose contact is unknown still counts as a (valid) visit of its household;
     V4 counts only visits of known households by known contacts; V5 fires for a visit
     whose contact is unknown (no known contact is assigned). Visits, crosschecks,
     exits, requests and feedback of unknown households are ignored everywhere.
 R4. "occurred_on" of C1/R1/R2 is received_on/raised_on plus 30/7/30 calendar days.
 R5. For a year period, funds_flagged = payments (paid in the year, in the subtree)
     named by an F1-F4 finding of any of the year's four quarters.
 R6. Findings are sorted byte-wise by (rule, union_id, subject_id, occurred_on); the
     finding's union for V4 is the contact's union, for F1-F5 the paying union, for
     I1 the inspected union, otherwise the household's union.
 R7. Shortlist: visit_score of a contact with empty H(c) is NULL (such a contact has
     households(c) = 0 and is never eligible, so never printed). request_score counts
     a request as resolved in time when resolved_on is not NULL and
     resolved_on - raised_on <= 7 days (resolved_on may fall in the next year).
     feedback/requests of unknown households are ignored. The score is computed
     exactly (fractions) and rounded to 6 decimals half away from zero; the rounded
     score is what is printed and compared. Component scores are printed exactly
     (12 decimals, trailing zeros stripped).
 R8. Eligibility "no major finding with contact_id = c in any quarter of Y" uses the
     findings of Y's four quarters computed exactly as the findings command does
     (so C1/R1/R2/I1 rows of old, still-open items count in every quarter they fire).
 R9. Money is printed with 2 decimals; rates and median days as plain decimals with
     at most 12 fractional digits (exact fractions, rounded half-even at the 12th
     digit, trailing zeros stripped, never an exponent).
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import sys
from decimal import Decimal, ROUND_HALF_UP
from fractions import Fraction

D = dt.date
ONE_DAY = dt.timedelta(days=1)

# Text columns (never trimmed). Everything else is trimmed.
TEXT_COLUMNS = {
    "unions": {"name", "email"},
    "contacts": {"name", "phone"},
    "households": {"head_name", "id_number", "phone"},
    "visits": {"notes"},
    "requests": {"kind"},
    "trainings": {"course"},
    "inspections": {"description"},
    "rectifications": {"action"},
}
DATE_COLUMNS = {
    "contacts": {"appointed_on", "left_on"},
    "households": {"filed_on"},
    "assignments": {"from_date", "to_date"},
    "visits": {"visited_on", "uploaded_on"},
    "crosschecks": {"received_on", "verified_on"},
    "exits": {"applied_on", "approved_on"},
    "disbursements": {"paid_on", "approved_on"},
    "requests": {"raised_on", "resolved_on"},
    "trainings": {"trained_on"},
    "feedback": {"rated_on"},
    "inspections": {"inspected_on", "resolved_on"},
    "rectifications": {"occurred_on", "reported_on", "verified_on"},
    "referrals": {"referred_on", "forwarded_on", "closed_on"},
}
INT_COLUMNS = {
    "households": {"members"},
    "visits": {"photos", "videos"},
    "budgets": {"year"},
    "feedback": {"score"},
}
BOOL_COLUMNS = {"contacts": {"civil_servant"}, "exits": {"worker_signed"}}
MONEY_COLUMNS = {
    "households": {"income_per_capita"},
    "disbursements": {"amount"},
    "subsidies": {"amount"},
    "budgets": {"amount"},
}
TABLES = [
    "unions", "contacts", "households", "assignments", "visits", "crosschecks",
    "exits", "disbursements", "subsidies", "budgets", "requests", "trainings",
    "feedback", "inspections", "rectifications", "referrals",
]
COMPLIANT_LEVELS = {"county", "city", "province"}


# ---------------------------------------------------------------- loading
def _convert(table, col, v):
    if v is None:
        return None
    if not isinstance(v, str):
        # from parquet
        if isinstance(v, Decimal) or col in MONEY_COLUMNS.get(table, ()):
            return Decimal(str(v)).quantize(Decimal("0.01"))
        return v
    if col not in TEXT_COLUMNS.get(table, ()):
        v = v.strip()
    if v == "":
        return None
    if col in DATE_COLUMNS.get(table, ()):
        return D.fromisoformat(v)
    if col in INT_COLUMNS.get(table, ()):
        return int(v)
    if col in BOOL_COLUMNS.get(table, ()):
        return v.lower() in ("true", "1")
    if col in MONEY_COLUMNS.get(table, ()):
        return Decimal(v)
    return v


def load_table(archive, table):
    csv_path = os.path.join(archive, table + ".csv")
    pq_path = os.path.join(archive, table + ".parquet")
    rows = []
    if os.path.exists(csv_path):
        with open(csv_path, encoding="utf-8-sig", newline="") as f:
            for rec in csv.DictReader(f):
                rows.append({k: _convert(table, k, v) for k, v in rec.items() if k is not None})
    elif os.path.exists(pq_path):
        import pyarrow.parquet as pq  # only needed for parquet tables

        for rec in pq.read_table(pq_path).to_pylist():
            rows.append({k: _convert(table, k, v) for k, v in rec.items()})
    return rows


class Archive:
    def __init__(self, path):
        t = {name: load_table(path, name) for name in TABLES}
        self.t = t
        self.unions = {}
        self.union_order = []
        for u in t["unions"]:
            if u["union_id"] not in self.unions:
                self.unions[u["union_id"]] = u
                self.union_order.append(u["union_id"])
        self.contacts = {c["contact_id"]: c for c in t["contacts"]}
        self.households = {h["household_id"]: h for h in t["households"]}
        known_h = self.households
        self.visits = [v for v in t["visits"] if v["household_id"] in known_h]
        self.crosschecks = [c for c in t["crosschecks"] if c["household_id"] in known_h]
        self.exits = [e for e in t["exits"] if e["household_id"] in known_h]
        self.requests = [r for r in t["requests"] if r["household_id"] in known_h]
        self.feedback = [r for r in t["feedback"] if r["household_id"] in known_h]
        self.assignments = [
            a for a in t["assignments"]
            if a["household_id"] in known_h and a["contact_id"] in self.contacts
        ]
        self.payments = t["disbursements"]
        self.subsidies = t["subsidies"]
        self.budgets = t["budgets"]
        self.trainings = t["trainings"]
        self.inspections = t["inspections"]
        self.rectifications = t["rectifications"]
        self.referrals = [r for r in t["referrals"] if r["household_id"] in known_h]
        self.has_rectifications = len(t["rectifications"]) > 0
        self.has_referrals = len(t["referrals"]) > 0
        self.has_liaisons = any(c["role"] == "liaison" for c in t["contacts"])
        self._tree()
        # exit date x(h)
        self.x = {}
        for e in self.exits:
            if e["approved_on"] is not None:
                h = e["household_id"]
                if h not in self.x or e["approved_on"] < self.x[h]:
                    self.x[h] = e["approved_on"]
        self.assign_by_h = {}
        for a in self.assignments:
            self.assign_by_h.setdefault(a["household_id"], []).append(a)
        self.visits_by_h = {}
        for v in self.visits:
            self.visits_by_h.setdefault(v["household_id"], []).append(v)

    # union tree -------------------------------------------------------
    def _tree(self):
        roots = [u for u in self.union_order if self.unions[u]["parent_id"] is None]
        self.root = roots[0] if roots else None
        self.linked = {}  # union -> bool
        for u in self.union_order:
            seen = set()
            cur = u
            ok = False
            while True:
                if cur == self.root:
                    ok = True
                    break
                if cur in seen or cur not in self.unions:
                    break
                seen.add(cur)
                p = self.unions[cur]["parent_id"]
                if p is None:
                    break  # a second root
                cur = p
            self.linked[u] = ok
        # ancestors (inclusive) for linked unions
        self.ancestors = {}
        for u in self.union_order:
            if self.linked[u]:
                chain = []
                cur = u
                while True:
                    chain.append(cur)
                    if cur == self.root:
                        break
                    cur = self.unions[cur]["parent_id"]
                self.ancestors[u] = chain
            else:
                self.ancestors[u] = [u]

    def in_subtree(self, row_union, top):
        """Does a row belonging to row_union belong to top's subtree?"""
        if row_union is None or row_union not in self.unions:
            return False
        return top in self.ancestors[row_union]

    def city_of(self, union_id):
        if union_id is None or union_id not in self.unions:
            return None
        if self.unions[union_id]["level"] == "city":
            return union_id
        if not self.linked[union_id]:
            return None
        for a in self.ancestors[union_id][1:]:
            if self.unions[a]["level"] == "city":
                return a
        return None

    def compliant(self, union_id):
        return union_id is not None and union_id in self.unions and \
            self.unions[union_id]["level"] in COMPLIANT_LEVELS

    # households --------------------------------------------------------
    def active(self, h, d):
        hh = self.households[h]
        x = self.x.get(h)
        return hh["filed_on"] <= d and (x is None or x > d)

    def due(self, h, q):
        ps, pe = q
        return self.households[h]["filed_on"] < ps and self.active(h, pe)

    def valid_visit(self, h, q):
        ps, pe = q
        for v in self.visits_by_h.get(h, []):
            if not (ps <= v["visited_on"] <= pe):
                continue
            if v["photos"] + v["videos"] < 1 or v["uploaded_on"] is None:
                continue
            lag = (v["uploaded_on"] - v["visited_on"]).days
            if 0 <= lag <= 30:
                return True
        return False

    def assigned(self, h, d):
        """Sorted distinct known contacts assigned to h on day d."""
        out = set()
        for a in self.assign_by_h.get(h, []):
            if a["from_date"] <= d and (a["to_date"] is None or d <= a["to_date"]):
                out.add(a["contact_id"])
        return sorted(out)

    def lowest_assigned(self, h, d):
        a = self.assigned(h, d)
        return a[0] if a else None

    def hunion(self, h):
        return self.households[h]["union_id"]


# ---------------------------------------------------------------- periods
def quarter(year, n):
    ps = D(year, 3 * n - 2, 1)
    pe = (D(year, 3 * n + 1, 1) if n < 4 else D(year + 1, 1, 1)) - ONE_DAY
    return (ps, pe)


def parse_period(p):
    if "Q" in p:
        y, n = p.split("Q")
        return int(y), [int(n)]
    return int(p), [1, 2, 3, 4]


def prev_quarter(year, n):
    return (year - 1, 4) if n == 1 else (year, n - 1)


# ---------------------------------------------------------------- findings
def findings(A: Archive, year, n, k1=True):
    """Every finding of quarter n of year (accountability.md's rules included; K1 only
    when k1 and the archive records rectifications)."""
    ps, pe = quarter(year, n)
    q = (ps, pe)
    pq = quarter(*prev_quarter(year, n))
    out = []

    def add(rule, sev, union, stype, sid, contact, occurred, detail):
        out.append(dict(rule=rule, severity=sev, union_id=union, subject_type=stype,
                        subject_id=sid, contact_id=contact, occurred_on=occurred,
                        detail=detail))

    qlabel = f"{year}年第{n}季度"
    H = A.households
    # V1 / V2
    for h in H:
        if not A.due(h, q) or A.valid_visit(h, q):
            continue
        v2 = A.due(h, pq) and not A.valid_visit(h, pq)
        c = A.lowest_assigned(h, pe)
        if v2:
            add("V2", "major", A.hunion(h), "household", h, c, pe,
                f"连续两个季度未有效入户走访（{qlabel}及上季度）")
        else:
            add("V1", "minor", A.hunion(h), "household", h, c, pe, f"{qlabel}未有效入户走访")
    # V3 / V5
    for v in A.visits:
        if not (ps <= v["visited_on"] <= pe):
            continue
        h = v["household_id"]
        x = A.x.get(h)
        if v["visited_on"] < H[h]["filed_on"] or (x is not None and v["visited_on"] > x):
            add("V3", "major", A.hunion(h), "visit", v["visit_id"], v["contact_id"],
                v["visited_on"], "走访日期不在建档在档期间")
        if v["contact_id"] not in A.assigned(h, v["visited_on"]):
            add("V5", "minor", A.hunion(h), "visit", v["visit_id"], v["contact_id"],
                v["visited_on"], "走访人当日不是该户的对应联系人")
    # V4
    per_day = {}
    for v in A.visits:
        if ps <= v["visited_on"] <= pe and v["contact_id"] in A.contacts:
            k = (v["contact_id"], v["visited_on"])
            per_day[k] = per_day.get(k, 0) + 1
    for (c, d), cnt in per_day.items():
        if cnt > 6:
            add("V4", "major", A.contacts[c]["union_id"], "contact", c, c, d,
                f"同一天走访{cnt}次，超过6次")
    # A1 / A2 / A3
    for h in H:
        if not A.active(h, pe):
            continue
        cs = A.assigned(h, pe)
        if not cs:
            add("A1", "major", A.hunion(h), "household", h, None, pe, "在档家庭没有对应联系人")
        if len(cs) >= 2:
            add("A2", "minor", A.hunion(h), "household", h, None, pe,
                f"在档家庭同时对应{len(cs)}名联系人")
        if any(A.contacts[c]["left_on"] is not None and A.contacts[c]["left_on"] <= pe for c in cs):
            add("A3", "major", A.hunion(h), "household", h, None, pe, "对应联系人已离任")
    # C1 / C2
    lim30 = pe - dt.timedelta(days=30)
    for c in A.crosschecks:
        if c["flag"] != "none" and c["received_on"] <= lim30 and \
                (c["verified_on"] is None or c["verified_on"] > pe):
            h = c["household_id"]
            add("C1", "major", A.hunion(h), "crosscheck", c["check_id"],
                A.lowest_assigned(h, pe), c["received_on"] + dt.timedelta(days=30),
                "部门比对反馈超过30天未核实")
    c2 = set()
    for c in A.crosschecks:
        if c["outcome"] == "confirmed" and c["verified_on"] is not None and \
                c["verified_on"] <= lim30 and A.active(c["household_id"], pe):
            c2.add(c["household_id"])
    for h in sorted(c2):
        add("C2", "major", A.hunion(h), "household", h, None, pe,
            "比对核实不符合条件超过30天仍在档")
    # F1-F4
    confirmed = {}
    for c in A.crosschecks:
        if c["outcome"] == "confirmed" and c["verified_on"] is not None:
            h = c["household_id"]
            confirmed[h] = min(confirmed.get(h, c["verified_on"]), c["verified_on"])
    for p in A.payments:
        if not (ps <= p["paid_on"] <= pe):
            continue
        h = p["household_id"]
        u = p["union_id"]
        pid = p["payment_id"]
        if h is None or h not in H or not A.active(h, p["paid_on"]):
            add("F1", "major", u, "payment", pid, None, p["paid_on"], "资金发放对象不在档")
        if h is not None:
            for o in A.payments:
                if o is p or o["household_id"] != h:
                    continue
                if o["category"] != p["category"] or o["amount"] != p["amount"]:
                    continue
                earlier = o["paid_on"] < p["paid_on"] or \
                    (o["paid_on"] == p["paid_on"] and o["payment_id"] < pid)
                if earlier and (p["paid_on"] - o["paid_on"]).days <= 30:
                    add("F2", "major", u, "payment", pid, None, p["paid_on"],
                        f"30天内重复发放（与{o['payment_id']}相同）")
                    break
        if p["approved_on"] is None or p["approved_on"] > p["paid_on"]:
            add("F3", "major", u, "payment", pid, None, p["paid_on"], "资金发放未经事先审批")
        if h in confirmed and confirmed[h] <= p["paid_on"]:
            add("F4", "major", u, "payment", pid, None, p["paid_on"],
                "向比对核实不符合条件的家庭发放资金")
    # F5
    for s in A.subsidies:
        m0 = D.fromisoformat(s["month"] + "-01")
        if ps <= m0 <= pe and s["contact_id"] in A.contacts and \
                A.contacts[s["contact_id"]]["civil_servant"]:
            add("F5", "major", s["union_id"], "subsidy", s["subsidy_id"], s["contact_id"], m0,
                "向正式在编人员发放联系人补贴")
    # E1-E3
    for e in A.exits:
        if e["approved_on"] is None or not (ps <= e["approved_on"] <= pe):
            continue
        h = e["household_id"]
        if not e["worker_signed"]:
            add("E1", "major", A.hunion(h), "exit", e["exit_id"], None, e["approved_on"],
                "解困脱困申请未经职工本人签字")
        if not A.compliant(e["approved_by"]):
            add("E2", "major", A.hunion(h), "exit", e["exit_id"], None, e["approved_on"],
                "解困脱困未经县级以上工会审批")
    for h, hh in H.items():
        if ps <= hh["filed_on"] <= pe and not A.compliant(hh["filing_approved_by"]):
            add("E3", "major", hh["union_id"], "household", h, None, hh["filed_on"],
                "建档未经县级以上工会审批")
    # R1 / R2
    lim7 = pe - dt.timedelta(days=7)
    for r in A.requests:
        open_at_pe = r["resolved_on"] is None or r["resolved_on"] > pe
        if not open_at_pe:
            continue
        h = r["household_id"]
        c = A.lowest_assigned(h, pe)
        if r["raised_on"] <= lim30:
            add("R2", "major", A.hunion(h), "request", r["request_id"], c,
                r["raised_on"] + dt.timedelta(days=30), "临时困难诉求超过30天未解决")
        elif r["raised_on"] <= lim7:
            add("R1", "minor", A.hunion(h), "request", r["request_id"], c,
                r["raised_on"] + dt.timedelta(days=7), "临时困难诉求超过7天未解决")
    # I1
    for i in A.inspections:
        if i["inspected_on"] <= pe and (i["resolved_on"] is None or i["resolved_on"] > pe):
            add("I1", i["severity"], i["union_id"], "inspection", i["inspection_id"],
                i["contact_id"], i["inspected_on"], "督查发现问题未整改")
    # S1 / S2 (accountability.md)
    lim15 = pe - dt.timedelta(days=15)
    lim90 = pe - dt.timedelta(days=90)
    for r in A.referrals:
        open_at_pe = r["closed_on"] is None or r["closed_on"] > pe
        h = r["household_id"]
        if r["referred_on"] <= lim90 and open_at_pe:
            add("S2", "major", A.hunion(h), "referral", r["referral_id"], r["contact_id"],
                r["referred_on"] + dt.timedelta(days=90), "需求转介超过90天未办结")
        elif r["referred_on"] <= lim15 and open_at_pe and \
                (r["forwarded_on"] is None or r["forwarded_on"] > pe):
            add("S1", "minor", A.hunion(h), "referral", r["referral_id"], r["contact_id"],
                r["referred_on"] + dt.timedelta(days=15), "需求转介超过15天未转交相关部门")
    # U1
    if A.has_liaisons:
        for u in A.union_order:
            U = A.unions[u]
            if U["level"] not in COMPLIANT_LEVELS or not A.linked[u]:
                continue
            serving = any(c["role"] == "liaison" and c["union_id"] == u
                          and c["appointed_on"] <= pe
                          and (c["left_on"] is None or c["left_on"] >= pe)
                          for c in A.contacts.values())
            if not serving:
                add("U1", "major", u, "union", u, None, pe, "未选定在任的联络指导员")
    # K1
    if k1 and A.has_rectifications:
        py, pn = prev_quarter(year, n)
        deadline = quarter(py, pn)[1] + dt.timedelta(days=60)
        for f in findings(A, py, pn, k1=False):
            if f["severity"] != "major":
                continue
            if not rectified_by(A, f, deadline):
                add("K1", "major", f["union_id"], "finding", finding_key(f), f["contact_id"],
                    deadline, "上季度重大问题逾期未整改")
    out.sort(key=lambda f: (f["rule"].encode(), f["union_id"].encode(),
                            f["subject_id"].encode(), f["occurred_on"]))
    return out


def finding_key(f):
    return f"{f['rule']}:{f['subject_id']}:{f['occurred_on'].isoformat()}"


def rectified_by(A: Archive, f, day):
    """A rectification row of f verified on or before `day` by a compliant union."""
    return any(r["rule"] == f["rule"] and r["subject_id"] == f["subject_id"]
               and r["occurred_on"] == f["occurred_on"] and r["verified_on"] is not None
               and r["verified_on"] <= day and A.compliant(r["verified_by"])
               for r in A.rectifications)


def previous_majors(A: Archive, year, n):
    """The major findings (not K1) of the quarter before quarter n of year, with d(f)."""
    py, pn = prev_quarter(year, n)
    deadline = quarter(py, pn)[1] + dt.timedelta(days=60)
    return [(f, deadline) for f in findings(A, py, pn, k1=False) if f["severity"] == "major"]


# ---------------------------------------------------------------- metrics
def frac(num, den):
    return None if den == 0 else Fraction(num) / Fraction(den)


def metrics(A: Archive, year, quarters, period):
    qs = [quarter(year, n) for n in quarters]
    ps, pe = qs[0][0], qs[-1][1]
    fnd = []
    for n in quarters:
        fnd.extend(findings(A, year, n))
    flagged_ids = {f["subject_id"] for f in fnd if f["rule"] in ("F1", "F2", "F3", "F4")}
    due_f = []
    if A.has_rectifications:
        for n in quarters:
            due_f.extend(previous_majors(A, year, n))
    rows = []
    for u in sorted(A.union_order, key=lambda s: s.encode()):
        U = A.unions[u]
        hs = [h for h in A.households if A.in_subtree(A.hunion(h), u)]
        due = visited = 0
        for q in qs:
            for h in hs:
                if A.due(h, q):
                    due += 1
                    if A.valid_visit(h, q):
                        visited += 1
        base = exits = compliant = 0
        days = []
        for h in hs:
            x = A.x.get(h)
            if A.households[h]["filed_on"] <= pe and (x is None or x >= ps):
                base += 1
            if x is not None and ps <= x <= pe:
                exits += 1
                days.append((x - A.households[h]["filed_on"]).days)
                if any(e["household_id"] == h and e["approved_on"] == x and e["worker_signed"]
                       and A.compliant(e["approved_by"]) for e in A.exits):
                    compliant += 1
        days.sort()
        if days:
            m = len(days)
            med = Fraction(days[m // 2]) if m % 2 else Fraction(days[m // 2 - 1] + days[m // 2], 2)
        else:
            med = None
        pays = [p for p in A.payments if A.in_subtree(p["union_id"], u)]
        inp = [p for p in pays if ps <= p["paid_on"] <= pe]
        paid = sum((p["amount"] for p in inp), Decimal("0"))
        on_target = sum((p["amount"] for p in inp
                         if p["household_id"] in A.households and A.active(p["household_id"], p["paid_on"])),
                        Decimal("0"))
        flagged = sum((p["amount"] for p in inp if p["payment_id"] in flagged_ids), Decimal("0"))
        budget = sum((b["amount"] for b in A.budgets
                      if b["year"] == year and A.in_subtree(b["union_id"], u)), Decimal("0"))
        ytd = sum((p["amount"] for p in pays if D(year, 1, 1) <= p["paid_on"] <= pe), Decimal("0"))
        subs = Decimal("0")
        for s in A.subsidies:
            m0 = D.fromisoformat(s["month"] + "-01")
            if ps <= m0 <= pe and A.in_subtree(s["union_id"], u):
                subs += s["amount"]
        fu = [f for f in fnd if A.in_subtree(f["union_id"], u)]
        rows.append(dict(
            union_id=u, name=U["name"], level=U["level"], period=period,
            due=due, visited=visited, visit_compliance=frac(visited, due),
            base=base, exits=exits, exits_compliant=compliant,
            exit_rate=frac(exits, base), exit_procedure_rate=frac(compliant, exits),
            median_days_to_exit=med, payments=len(inp), funds_paid=paid,
            funds_on_target=on_target,
            on_target_share=None if paid == 0 else Fraction(on_target) / Fraction(paid),
            funds_flagged=flagged, budget=budget,
            budget_execution=None if budget == 0 else Fraction(ytd) / Fraction(budget),
            subsidies_paid=subs,
            findings_major=sum(1 for f in fu if f["severity"] == "major"),
            findings_minor=sum(1 for f in fu if f["severity"] == "minor"),
            **accountability_columns(A, u, due_f, ps, pe),
        ))
    return rows


def accountability_columns(A: Archive, u, due_f, ps, pe):
    """The six columns of accountability.md for union u's subtree."""
    out = dict.fromkeys(["rectifications_due", "rectified_on_time", "rectification_rate",
                         "referrals", "referrals_closed_90", "referral_closure_rate"])
    if A.has_rectifications:
        mine = [(f, d) for f, d in due_f if A.in_subtree(f["union_id"], u)]
        ok = sum(1 for f, d in mine if rectified_by(A, f, d))
        out.update(rectifications_due=len(mine), rectified_on_time=ok,
                   rectification_rate=frac(ok, len(mine)))
    if A.has_referrals:
        refs = [r for r in A.referrals if ps <= r["referred_on"] <= pe
                and A.in_subtree(A.hunion(r["household_id"]), u)]
        closed = sum(1 for r in refs if r["closed_on"] is not None
                     and (r["closed_on"] - r["referred_on"]).days <= 90)
        out.update(referrals=len(refs), referrals_closed_90=closed,
                   referral_closure_rate=frac(closed, len(refs)))
    return out


def warnings(A: Archive, d, within=None):
    """The early warnings as of day d (accountability.md, "Early warning")."""
    year, n = d.year, (d.month - 1) // 3 + 1
    ps, pe = quarter(year, n)
    out = []

    def add(w, union, stype, sid, contact, due):
        days = (due - d).days
        if within is None or days <= within:
            out.append(dict(warning=w, union_id=union, subject_type=stype, subject_id=sid,
                            contact_id=contact, due_on=due, days_left=days))

    for h, hh in A.households.items():
        if hh["filed_on"] < ps and A.active(h, d):
            seen = any(ps <= v["visited_on"] <= d and v["photos"] + v["videos"] >= 1
                       and v["uploaded_on"] is not None and v["uploaded_on"] <= d
                       and 0 <= (v["uploaded_on"] - v["visited_on"]).days <= 30
                       for v in A.visits_by_h.get(h, []))
            if not seen:
                add("W1", hh["union_id"], "household", h, A.lowest_assigned(h, d), pe)
    for r in A.requests:
        due = r["raised_on"] + dt.timedelta(days=7)
        if r["raised_on"] <= d < due and (r["resolved_on"] is None or r["resolved_on"] > d):
            h = r["household_id"]
            add("W2", A.hunion(h), "request", r["request_id"], A.lowest_assigned(h, d), due)
    for c in A.crosschecks:
        due = c["received_on"] + dt.timedelta(days=30)
        if c["flag"] != "none" and c["received_on"] <= d < due and \
                (c["verified_on"] is None or c["verified_on"] > d):
            h = c["household_id"]
            add("W3", A.hunion(h), "crosscheck", c["check_id"], A.lowest_assigned(h, d), due)
    if A.has_rectifications:
        for f, deadline in previous_majors(A, year, n):
            if d <= deadline and not rectified_by(A, f, d):
                add("W4", f["union_id"], "finding", finding_key(f), f["contact_id"], deadline)
    for r in A.referrals:
        due = r["referred_on"] + dt.timedelta(days=15)
        if r["referred_on"] <= d < due and (r["forwarded_on"] is None or r["forwarded_on"] > d):
            add("W5", A.hunion(r["household_id"]), "referral", r["referral_id"],
                r["contact_id"], due)
    out.sort(key=lambda w: (w["due_on"], w["warning"].encode(), w["subject_id"].encode()))
    return out


def rectify(A: Archive, year, n, asof):
    """The major findings (not K1) of quarter n with their correction's state on asof."""
    deadline = quarter(year, n)[1] + dt.timedelta(days=60)
    out = []
    for f in findings(A, year, n):
        if f["severity"] != "major" or f["rule"] == "K1":
            continue
        rows = [r for r in A.rectifications if r["rule"] == f["rule"]
                and r["subject_id"] == f["subject_id"] and r["occurred_on"] == f["occurred_on"]]
        good = sorted((r for r in rows if r["verified_on"] is not None
                       and A.compliant(r["verified_by"])),
                      key=lambda r: (r["verified_on"], r["rectification_id"].encode()))
        if good:
            pick = good[0]
        elif rows:
            latest = max(r["reported_on"] for r in rows)
            pick = sorted((r for r in rows if r["reported_on"] == latest),
                          key=lambda r: r["rectification_id"].encode())[0]
        else:
            pick = None
        if good and good[0]["verified_on"] <= deadline:
            status = "on_time"
        elif deadline >= asof:
            status = "pending"
        elif good:
            status = "late"
        elif rows:
            status = "unverified"
        else:
            status = "not_reported"
        out.append(dict(f, deadline=deadline,
                        reported_on=pick and pick["reported_on"],
                        verified_on=pick and pick["verified_on"],
                        verified_by=pick and pick["verified_by"], status=status))
    return out


# ---------------------------------------------------------------- shortlist
WEIGHTS = dict(visit=Fraction(1, 2), exit=Fraction(1, 5), request=Fraction(3, 20),
               satisfaction=Fraction(3, 20))


def round6(fr: Fraction) -> Fraction:
    """Round to 6 decimals, halves away from zero."""
    s = 1 if fr >= 0 else -1
    a = abs(fr) * 10**6
    fl = a.numerator // a.denominator
    if a - fl >= Fraction(1, 2):
        fl += 1
    return Fraction(s * fl, 10**6)


def shortlist(A: Archive, Y, size=100, min_per_city=1, explain=None):
    qs = [quarter(Y, n) for n in (1, 2, 3, 4)]
    majors = set()
    for n in (1, 2, 3, 4):
        for f in findings(A, Y, n):
            if f["severity"] == "major" and f["contact_id"] is not None:
                majors.add(f["contact_id"])
    ystart, yend = D(Y, 1, 1), D(Y, 12, 31)
    # compliant exits of year Y: h -> x(h)
    comp_exit = {}
    for h, x in A.x.items():
        if ystart <= x <= yend and any(
                e["household_id"] == h and e["approved_on"] == x and e["worker_signed"]
                and A.compliant(e["approved_by"]) for e in A.exits):
            comp_exit[h] = x
    trained = {t["contact_id"] for t in A.trainings if ystart <= t["trained_on"] <= yend}
    cand = []
    for c, C in A.contacts.items():
        if C["role"] == "liaison":
            continue  # accountability.md: a liaison is never eligible (not a candidate)
        pairs = [(h, q) for q in qs for h in A.households
                 if A.due(h, q) and c in A.assigned(h, q[1])]
        hh = {h for h, _ in pairs}
        nh = len(hh)
        vs = frac(sum(1 for h, q in pairs if A.valid_visit(h, q)), len(pairs))
        E = sum(1 for h, x in comp_exit.items() if c in A.assigned(h, x))
        es = None if nh == 0 else min(Fraction(1), Fraction(E, nh))
        reqs = [r for r in A.requests if ystart <= r["raised_on"] <= yend
                and c in A.assigned(r["household_id"], r["raised_on"])]
        if reqs:
            rs = Fraction(sum(1 for r in reqs if r["resolved_on"] is not None
                              and (r["resolved_on"] - r["raised_on"]).days <= 7), len(reqs))
        else:
            rs = Fraction(1)
        fb = [f["score"] for f in A.feedback if f["contact_id"] == c and ystart <= f["rated_on"] <= yend]
        ss = (Fraction(sum(fb), len(fb)) - 1) / 4 if fb else Fraction(1, 2)
        eligible = (C["appointed_on"] <= D(Y, 6, 30)
                    and (C["left_on"] is None or C["left_on"] > yend)
                    and nh >= 3 and c in trained and c not in majors)
        if explain is not None:
            why = [w for w, bad in (
                ("appointed after 06-30", C["appointed_on"] > D(Y, 6, 30)),
                ("left in year", C["left_on"] is not None and C["left_on"] <= yend),
                ("households<3", nh < 3), ("no training", c not in trained),
                ("major finding", c in majors)) if bad]
            sc = None if vs is None else round6(100 * (WEIGHTS["visit"] * vs + WEIGHTS["exit"] * es +
                                                         WEIGHTS["request"] * rs + WEIGHTS["satisfaction"] * ss))
            explain.append([c, C["name"], A.city_of(C["union_id"]) or "", fmt(sc), fmt(vs), fmt(es),
                            fmt(rs), fmt(ss), nh, "; ".join(why) or "eligible"])
        if not eligible:
            continue
        score = 100 * (WEIGHTS["visit"] * vs + WEIGHTS["exit"] * es +
                       WEIGHTS["request"] * rs + WEIGHTS["satisfaction"] * ss)
        cand.append(dict(contact_id=c, name=C["name"], union_id=C["union_id"],
                         city_id=A.city_of(C["union_id"]), score=round6(score),
                         visit_score=vs, exit_score=es, request_score=rs,
                         satisfaction_score=ss, households=nh, appointed_on=C["appointed_on"]))
    cand.sort(key=lambda r: (-r["score"], -r["visit_score"], -r["households"],
                             r["appointed_on"], r["contact_id"].encode()))
    for i, r in enumerate(cand, 1):
        r["rank"] = i
    chosen = {}
    if min_per_city:
        seen_city = set()
        for r in cand:
            if len(chosen) >= size:
                break
            if r["city_id"] is not None and r["city_id"] not in seen_city:
                seen_city.add(r["city_id"])
                chosen[r["contact_id"]] = "quota"
    for r in cand:
        if len(chosen) >= size:
            break
        if r["contact_id"] not in chosen:
            chosen[r["contact_id"]] = "merit"
    out = []
    for r in cand:
        if r["contact_id"] in chosen:
            r["via"] = chosen[r["contact_id"]]
            out.append(r)
    return out


# ---------------------------------------------------------------- output
def fmt(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, D):
        return v.isoformat()
    if isinstance(v, Decimal):
        return str(v.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    if isinstance(v, Fraction):
        d = Decimal(v.numerator) / Decimal(v.denominator) if v.denominator != 1 else Decimal(v.numerator)
        s = format(d.quantize(Decimal("1e-12")), "f")
        if "." in s:
            s = s.rstrip("0").rstrip(".")
        return s
    return str(v)


METRIC_COLS = ("union_id, name, level, period, due, visited, visit_compliance, base, exits, "
               "exits_compliant, exit_rate, exit_procedure_rate, median_days_to_exit, payments, "
               "funds_paid, funds_on_target, on_target_share, funds_flagged, budget, "
               "budget_execution, subsidies_paid, findings_major, findings_minor, "
               "rectifications_due, rectified_on_time, rectification_rate, referrals, "
               "referrals_closed_90, referral_closure_rate").split(", ")
WARNING_COLS = "warning, union_id, subject_type, subject_id, contact_id, due_on, days_left".split(", ")
RECTIFY_COLS = ("rule, union_id, subject_type, subject_id, contact_id, occurred_on, deadline, "
                "reported_on, verified_on, verified_by, status").split(", ")
FINDING_COLS = "rule, severity, union_id, subject_type, subject_id, contact_id, occurred_on, detail".split(", ")
SHORTLIST_COLS = ("rank, contact_id, name, union_id, city_id, score, visit_score, exit_score, "
                  "request_score, satisfaction_score, households, via").split(", ")


def fmt_score(fr):
    s = format(Decimal(fr.numerator) / Decimal(fr.denominator), "f")
    return s.rstrip("0").rstrip(".") if "." in s else s


def write(rows, cols, special=None):
    w = csv.writer(sys.stdout, lineterminator="\n")
    w.writerow(cols)
    for r in rows:
        w.writerow([(special[c](r[c]) if special and c in special else fmt(r[c])) for c in cols])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--archive", default="sample-data")
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("metrics")
    m.add_argument("--period", required=True)
    f = sub.add_parser("findings")
    f.add_argument("--period", required=True)
    s = sub.add_parser("shortlist")
    s.add_argument("--year", type=int, required=True)
    s.add_argument("--size", type=int, default=100)
    s.add_argument("--min-per-city", type=int, default=1, choices=(0, 1))
    s.add_argument("--explain", action="store_true",
                   help="also print every contact's scores and eligibility to stderr")
    w = sub.add_parser("warnings")
    w.add_argument("--as-of", required=True)
    w.add_argument("--within", type=int)
    r = sub.add_parser("rectify")
    r.add_argument("--period", required=True)
    r.add_argument("--as-of", required=True)
    a = ap.parse_args(argv)
    A = Archive(a.archive)
    if a.cmd == "metrics":
        y, qs = parse_period(a.period)
        write(metrics(A, y, qs, a.period), METRIC_COLS)
    elif a.cmd == "findings":
        y, qs = parse_period(a.period)
        if len(qs) != 1:
            ap.error("findings need a quarter, e.g. 2026Q3")
        write(findings(A, y, qs[0]), FINDING_COLS)
    elif a.cmd == "warnings":
        write(warnings(A, D.fromisoformat(a.as_of), a.within), WARNING_COLS)
    elif a.cmd == "rectify":
        y, qs = parse_period(a.period)
        write(rectify(A, y, qs[0], D.fromisoformat(a.as_of)), RECTIFY_COLS)
    else:
        ex = [] if a.explain else None
        write(shortlist(A, a.year, a.size, a.min_per_city, ex), SHORTLIST_COLS,
              special={"score": fmt_score})
        if ex is not None:
            w = csv.writer(sys.stderr, lineterminator="\n")
            w.writerow(["contact_id", "name", "city_id", "score", "visit_score", "exit_score",
                        "request_score", "satisfaction_score", "households", "eligibility"])
            w.writerows(ex)


if __name__ == "__main__":
    main()
