-- H(c) of the award shortlist for year $ps .. $pe: the (household, quarter) pairs where
-- the household is due a visit in the quarter (filed_on < ps(Q), active on pe(Q)) and
-- the contact is assigned to it on pe(Q); `visited` when the household has a valid
-- visit in that quarter (by any contact). Registered as `shortlist_pairs`.
-- Duty 1 (Investigate): every household the contact holds is visited each quarter.
WITH quarter AS (
    SELECT qs, CAST(qs + INTERVAL '3 months' - INTERVAL '1 day' AS DATE) AS qe
    FROM (SELECT CAST(CAST($ps AS DATE) + shift AS DATE) AS qs
          FROM (VALUES (INTERVAL '0 months'), (INTERVAL '3 months'),
                       (INTERVAL '6 months'), (INTERVAL '9 months')) AS s (shift))
    WHERE qs <= CAST($pe AS DATE)
),
due AS (
    SELECT h.household_key, q.qs, q.qe
    FROM household_span h
    CROSS JOIN quarter q
    WHERE h.filed_on < q.qs
      AND (h.exit_on IS NULL OR h.exit_on > q.qe)
),
held AS (
    SELECT DISTINCT a.contact_key, d.household_key, d.qs
    FROM due d
    JOIN assignment_span a
      ON a.household_key = d.household_key
     AND a.from_date <= d.qe
     AND (a.to_date IS NULL OR a.to_date >= d.qe)
),
visited AS (
    SELECT DISTINCT household_key, CAST(date_trunc('quarter', visited_on) AS DATE) AS qs
    FROM valid_visit
    WHERE visited_on BETWEEN CAST($ps AS DATE) AND CAST($pe AS DATE)
)
SELECT p.contact_key,
       p.household_key,
       p.qs,
       v.household_key IS NOT NULL AS visited
FROM held p
LEFT JOIN visited v ON v.household_key = p.household_key AND v.qs = p.qs
