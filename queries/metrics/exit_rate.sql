-- 解困脱困率 exit_rate, per union subtree, over the period $ps .. $pe:
-- base  = households filed by pe and not exited before ps (active at some point);
-- exits = households whose exit date x(h) is in the period; exits_compliant = those
-- whose exit row giving x(h) is signed by the worker and approved at county level or
-- above; median_days_to_exit = median of x(h) - filed_on over exits.
-- Duty 5 (Report results): exits are applied for, signed and approved (解困脱困).
-- The counts are summed per union first and then up the tree (a household's union
-- has about five ancestors: joined to the tree row by row, 0.7M households became
-- 3.5M rows); the median, which cannot be summed, is taken over the exits alone.
WITH period_household AS (
    SELECT h.union_id,
           h.exit_on BETWEEN CAST($ps AS DATE) AND CAST($pe AS DATE) AS exited,
           h.exit_compliant,
           CAST(h.exit_on AS INT) - CAST(h.filed_on AS INT) AS days_to_exit
    FROM household_span h
    WHERE h.filed_on <= CAST($pe AS DATE)
      AND (h.exit_on IS NULL OR h.exit_on >= CAST($ps AS DATE))
),
per_union AS (
    SELECT union_id,
           count(*) AS base,
           count(CASE WHEN exited THEN 1 END) AS exits,
           count(CASE WHEN exited AND exit_compliant THEN 1 END) AS exits_compliant
    FROM period_household
    GROUP BY union_id
),
per_subtree AS (
    SELECT c.ancestor_id AS union_id,
           sum(p.base) AS base,
           sum(p.exits) AS exits,
           sum(p.exits_compliant) AS exits_compliant
    FROM per_union p
    JOIN union_closure c ON c.union_id = p.union_id
    GROUP BY c.ancestor_id
),
median_days AS (
    SELECT c.ancestor_id AS union_id,
           median(CAST(p.days_to_exit AS DOUBLE)) AS median_days_to_exit
    FROM period_household p
    JOIN union_closure c ON c.union_id = p.union_id
    WHERE p.exited
    GROUP BY c.ancestor_id
)
SELECT s.union_id,
       s.base,
       s.exits,
       s.exits_compliant,
       m.median_days_to_exit
FROM per_subtree s
LEFT JOIN median_days m ON m.union_id = s.union_id
ORDER BY union_id
