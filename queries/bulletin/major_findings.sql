-- 重大问题按规则: the period's major findings (table period_findings, registered by the
-- metrics run) belonging to $union's subtree, counted per rule and per union directly
-- below $union (`child_id`; $union itself when the finding belongs to it).
SELECT f.rule,
       coalesce(k.ancestor_id, $union) AS child_id,
       count(*) AS findings
FROM period_findings f
JOIN union_closure c ON c.union_id = f.union_id AND c.ancestor_id = $union
LEFT JOIN union_closure k
       ON k.union_id = f.union_id AND k.depth = c.depth - 1
WHERE f.severity = 'major'
GROUP BY f.rule, coalesce(k.ancestor_id, $union)
ORDER BY f.rule, child_id
