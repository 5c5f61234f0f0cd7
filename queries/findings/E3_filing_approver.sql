-- E3 (major): a household filed in quarter $ps .. $pe whose filing was approved by no
-- union, an unknown union or a union below county level.
-- Duty 1 (Investigate): archive filing (建档) is approved at county level or above.
SELECT 'E3' AS rule,
       'major' AS severity,
       h.union_id,
       'household' AS subject_type,
       h.household_id AS subject_id,
       CAST(NULL AS VARCHAR) AS contact_id,
       h.filed_on AS occurred_on,
       CASE WHEN h.filing_approved_by IS NULL THEN '建档未注明审批工会'
            WHEN a.union_id IS NULL THEN '建档审批工会不存在'
            ELSE '建档未经县级以上工会审批' END AS detail
FROM households h
LEFT JOIN unions a ON a.union_id = h.filing_approved_by
WHERE h.filed_on BETWEEN CAST($ps AS DATE) AND CAST($pe AS DATE)
  AND (a.union_id IS NULL OR a.level NOT IN ('county', 'city', 'province'))
ORDER BY h.union_id, h.household_id
