-- 解困脱困率 exit_rate, per union subtree, over the period $ps .. $pe:
-- base  = households filed by pe and not exited before ps (active at some point);
-- exits = households whose exit date x(h) is in the period; exits_compliant = those
-- whose exit row giving x(h) is signed by the worker and approved at county level or
-- above; median_days_to_exit = median of x(h) - filed_on over exits.
-- Duty 5 (Report results): exits are applied for, signed and approved (解困脱困).
WITH period_household AS (
    SELECT h.household_id,
           h.union_id,
           h.exit_on BETWEEN CAST($ps AS DATE) AND CAST($pe AS DATE) AS exited,
           h.exit_compliant,
           CAST(h.exit_on AS INT) - CAST(h.filed_on AS INT) AS days_to_exit
    FROM household_span h
    WHERE h.filed_on <= CAST($pe AS DATE)
      AND (h.exit_on IS NULL OR h.exit_on >= CAST($ps AS DATE))
)
SELECT c.ancestor_id AS union_id,
       count(*) AS base,
       count(CASE WHEN p.exited THEN 1 END) AS exits,
       count(CASE WHEN p.exited AND p.exit_compliant THEN 1 END) AS exits_compliant,
       median(CASE WHEN p.exited THEN CAST(p.days_to_exit AS DOUBLE) END) AS median_days_to_exit
FROM period_household p
JOIN union_closure c ON c.union_id = p.union_id
GROUP BY c.ancestor_id
ORDER BY union_id
