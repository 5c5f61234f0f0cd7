-- 整改 rectification, per union subtree: rectifications_due = the major findings (not
-- K1) whose deadline d(f) = (last day of f's quarter) + 60 days falls in the period
-- (table due_findings, with each finding's `deadline`), by the finding's union;
-- rectified_on_time = those with a rectification row of their (rule, subject_id,
-- occurred_on) verified on or before the deadline by a union at county level or above.
-- A finding repeated in several quarters is due once per copy.
-- Supervision: corrections (整改) are checked by a union at county level or above.
WITH on_time AS (
    SELECT DISTINCT f.rule, f.subject_id, f.occurred_on, f.deadline
    FROM due_findings f
    JOIN rectifications r
      ON r.rule = f.rule AND r.subject_id = f.subject_id AND r.occurred_on = f.occurred_on
    JOIN unions a ON a.union_id = r.verified_by
    WHERE r.verified_on IS NOT NULL
      AND r.verified_on <= f.deadline
      AND a.level IN ('county', 'city', 'province')
)
SELECT c.ancestor_id AS union_id,
       count(*) AS rectifications_due,
       count(o.rule) AS rectified_on_time
FROM due_findings f
LEFT JOIN on_time o
  ON o.rule = f.rule AND o.subject_id = f.subject_id AND o.occurred_on = f.occurred_on
 AND o.deadline = f.deadline
JOIN union_closure c ON c.union_id = f.union_id
GROUP BY c.ancestor_id
ORDER BY union_id
