-- I1 (severity of the row): an inspection finding (self-check, spot check or census)
-- made on or before $pe and not resolved by pe. Contact: the row's contact_id.
-- Supervision: self-checks, spot checks and census (自查、抽查、普查); problems found
-- are rectified.
SELECT 'I1' AS rule,
       i.severity,
       i.union_id,
       'inspection' AS subject_type,
       i.inspection_id AS subject_id,
       i.contact_id,
       i.inspected_on AS occurred_on,
       CASE i.kind WHEN 'self_check' THEN '自查'
                   WHEN 'spot_check' THEN '抽查'
                   ELSE '普查' END || '发现问题尚未整改' AS detail
FROM inspections i
WHERE i.inspected_on <= CAST($pe AS DATE)
  AND (i.resolved_on IS NULL OR i.resolved_on > CAST($pe AS DATE))
ORDER BY i.union_id, i.inspection_id
