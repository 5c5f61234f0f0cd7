-- 整改落实情况: the unions of $union's subtree with corrections overdue in the period
-- (K1 findings of table period_findings), with their count, most first.
-- Supervision: failing to correct is itself criticised (纠错问责).
SELECT f.union_id,
       u.name,
       count(*) AS overdue
FROM period_findings f
JOIN union_closure c ON c.union_id = f.union_id AND c.ancestor_id = $union
JOIN unions u ON u.union_id = f.union_id
WHERE f.rule = 'K1'
GROUP BY f.union_id, u.name
ORDER BY overdue DESC, f.union_id
