-- 审查发现 review_findings, per union subtree: the findings of the period's quarters
-- (table period_findings, every rule of queries/findings) by severity.
-- Supervision: assessment results are circulated (考核评估、验收通报).
SELECT c.ancestor_id AS union_id,
       count(CASE WHEN f.severity = 'major' THEN 1 END) AS findings_major,
       count(CASE WHEN f.severity = 'minor' THEN 1 END) AS findings_minor
FROM period_findings f
JOIN union_closure c ON c.union_id = f.union_id
GROUP BY c.ancestor_id
ORDER BY union_id
