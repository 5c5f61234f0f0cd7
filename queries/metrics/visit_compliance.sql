-- 季度家访率 visit_compliance, per union subtree: household-quarters due and visited
-- over the quarters of the period ($ps .. $pe; a year sums its four quarters).
-- h is due in quarter Q when filed_on < ps(Q) and h is active on pe(Q); it is visited
-- when it also has a valid visit in Q. Only quarters that have ended by $pe count: when
-- the figures run to a day inside the period ($pe is then that day), a quarter not yet
-- ended is not yet due (queries/README.md, "A period that has not ended").
-- Duty 1 (Investigate): visit each household once every quarter (每季度家访一次).
WITH quarter AS (
    SELECT qs, qe
    FROM (SELECT qs, CAST(qs + INTERVAL '3 months' - INTERVAL '1 day' AS DATE) AS qe
          FROM (SELECT CAST(CAST($ps AS DATE) + shift AS DATE) AS qs
                FROM (VALUES (INTERVAL '0 months'), (INTERVAL '3 months'),
                             (INTERVAL '6 months'), (INTERVAL '9 months')) AS s (shift)))
    WHERE qe <= CAST($pe AS DATE)
),
due AS (
    SELECT h.household_key, h.union_id, q.qs, q.qe
    FROM household_span h
    CROSS JOIN quarter q
    WHERE h.filed_on < q.qs
      AND (h.exit_on IS NULL OR h.exit_on > q.qe)
),
-- each valid visit falls in at most one of the period's quarters: the visits are
-- matched to those (at most four) quarters first, and to the due households after, on
-- (household, quarter); joined to the due households first, every household's visits
-- of the whole archive were paired with each of its due quarters (issue 16)
visited AS (
    SELECT DISTINCT v.household_key, q.qs
    FROM valid_visit v
    JOIN quarter q ON v.visited_on BETWEEN q.qs AND q.qe
),
per_union AS (
    SELECT d.union_id, count(*) AS due, count(v.household_key) AS visited
    FROM due d
    LEFT JOIN visited v ON v.household_key = d.household_key AND v.qs = d.qs
    GROUP BY d.union_id
)
SELECT c.ancestor_id AS union_id,
       sum(p.due) AS due,
       sum(p.visited) AS visited
FROM per_union p
JOIN union_closure c ON c.union_id = p.union_id
GROUP BY c.ancestor_id
ORDER BY union_id
