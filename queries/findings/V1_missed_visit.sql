-- V1 (minor): a household due for a visit in quarter $ps .. $pe (filed before the
-- quarter, active on its last day) with no valid visit in it, unless V2 already names
-- it. Contact: the lowest contact_id assigned to it on pe.
-- Duty 1 (Investigate): visit each household once every quarter (每季度家访一次).
-- (table due_unvisited: the quarter's due households without a valid visit in it,
-- queries/quarter/)
SELECT 'V1' AS rule,
       'minor' AS severity,
       d.union_id,
       'household' AS subject_type,
       d.household_id AS subject_id,
       a.contact_id,
       CAST($pe AS DATE) AS occurred_on,
       CAST($period_cn AS VARCHAR) || '未入户走访' AS detail
FROM due_unvisited d
LEFT JOIN assigned_on_pe a ON a.household_key = d.household_key
-- not V2: due in the previous quarter too and not visited there either
WHERE NOT d.due_before
   OR d.household_key IN (SELECT v.household_key
                          FROM valid_visit v
                          WHERE v.visited_on BETWEEN CAST($pps AS DATE) AND CAST($ppe AS DATE))
ORDER BY d.union_id, d.household_id
