-- V2 (major): a household due in quarter $ps .. $pe and in the previous quarter
-- $pps .. $ppe with no valid visit in either. Contact: the lowest contact_id assigned
-- to it on pe.
-- Duty 1 (Investigate): visit each household once every quarter (每季度家访一次).
-- (table due_unvisited: the quarter's due households without a valid visit in it, with
-- whether they were due in the previous quarter, queries/quarter/)
SELECT 'V2' AS rule,
       'major' AS severity,
       d.union_id,
       'household' AS subject_type,
       d.household_id AS subject_id,
       a.contact_id,
       CAST($pe AS DATE) AS occurred_on,
       '连续两个季度（' || CAST($prev_cn AS VARCHAR) || '、' || CAST($period_cn AS VARCHAR)
           || '）未入户走访' AS detail
FROM due_unvisited d
LEFT JOIN assigned_on_pe a ON a.household_key = d.household_key
WHERE d.due_before
  AND NOT EXISTS (SELECT 1
                  FROM valid_visit v
                  WHERE v.household_key = d.household_key
                    AND v.visited_on BETWEEN CAST($pps AS DATE) AND CAST($ppe AS DATE))
ORDER BY d.union_id, d.household_id
