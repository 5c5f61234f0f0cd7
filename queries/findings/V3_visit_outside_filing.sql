-- V3 (major): a visit in quarter $ps .. $pe dated before the household was filed or
-- after its exit date x(h): a visit to a household outside the active archive.
-- Contact: the visit's contact.
-- Duty 1 (Investigate) and Supervision: falsified records (弄虚作假) are criticised.
-- (table quarter_visits: the quarter's visits with their households, queries/quarter/)
SELECT 'V3' AS rule,
       'major' AS severity,
       v.union_id,
       'visit' AS subject_type,
       v.visit_id AS subject_id,
       v.contact_id,
       v.visited_on AS occurred_on,
       CASE WHEN v.visited_on < v.filed_on THEN '走访日期早于建档日期'
            ELSE '走访日期晚于解困脱困日期' END AS detail
FROM quarter_visits v
WHERE v.visited_on < v.filed_on OR (v.exit_on IS NOT NULL AND v.visited_on > v.exit_on)
ORDER BY v.union_id, v.visit_id
