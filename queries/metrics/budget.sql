-- 解困脱困专项资金预算 budget, per union subtree: the budgets of the period's year
-- ($year; a quarter uses its year's full budget).
-- Guarantees (Funding): special hardship funds under budget performance management.
SELECT c.ancestor_id AS union_id,
       sum(b.amount) AS budget
FROM budgets b
JOIN union_closure c ON c.union_id = b.union_id
WHERE b.year = CAST($year AS BIGINT)
GROUP BY c.ancestor_id
ORDER BY union_id
