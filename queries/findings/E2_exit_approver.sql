-- E2 (major): an exit approved in quarter $ps .. $pe by no union, an unknown union or
-- a union below county level.
-- Duty 5 (Report results): exits are approved by a union at county level or above.
SELECT 'E2' AS rule,
       'major' AS severity,
       h.union_id,
       'exit' AS subject_type,
       e.exit_id AS subject_id,
       CAST(NULL AS VARCHAR) AS contact_id,
       e.approved_on AS occurred_on,
       CASE WHEN e.approved_by IS NULL THEN '解困脱困未注明审批工会'
            WHEN a.union_id IS NULL THEN '解困脱困审批工会不存在'
            ELSE '解困脱困未经县级以上工会审批' END AS detail
FROM exits e
JOIN households h ON h.household_key = e.household_key
LEFT JOIN unions a ON a.union_id = e.approved_by
WHERE e.approved_on BETWEEN CAST($ps AS DATE) AND CAST($pe AS DATE)
  AND (a.union_id IS NULL OR a.level NOT IN ('county', 'city', 'province'))
ORDER BY h.union_id, e.exit_id
