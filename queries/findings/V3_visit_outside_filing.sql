-- V3 (major): a visit in quarter $ps .. $pe dated before the household was filed or
-- after its exit date x(h): a visit to a household outside the active archive.
-- Contact: the visit's contact.
-- Duty 1 (Investigate) and Supervision: falsified records (弄虚作假) are criticised.
SELECT 'V3' AS rule,
       'major' AS severity,
       h.union_id,
       'visit' AS subject_type,
       v.visit_id AS subject_id,
       v.contact_id,
       v.visited_on AS occurred_on,
       CASE WHEN v.visited_on < h.filed_on THEN '走访日期早于建档日期'
            ELSE '走访日期晚于解困脱困日期' END AS detail
FROM visits v
JOIN household_span h ON h.household_key = v.household_key
WHERE v.visited_on BETWEEN CAST($ps AS DATE) AND CAST($pe AS DATE)
  AND (v.visited_on < h.filed_on OR (h.exit_on IS NOT NULL AND v.visited_on > h.exit_on))
ORDER BY h.union_id, v.visit_id
