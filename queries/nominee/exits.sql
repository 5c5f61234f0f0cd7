-- The compliant exits counted in the exit_score of each contact of `nominee_contacts`
-- for the year $ps .. $pe (queries/shortlist/exit_score.sql): households whose exit
-- date x(h) is in the year and whose exit row giving x(h) is compliant, to which the
-- contact was assigned on x(h). One row per compliant exit row on x(h) (the worker
-- signed, a union at county level or above approved); E is the number of distinct
-- households.
SELECT DISTINCT a.contact_id,
       h.household_id,
       h.union_id,
       e.exit_id,
       h.exit_on,
       e.approved_by
FROM household_span h
JOIN assignment_span a
  ON a.household_key = h.household_key
 AND a.from_date <= h.exit_on
 AND (a.to_date IS NULL OR a.to_date >= h.exit_on)
JOIN exits e
  ON e.household_key = h.household_key
 AND e.approved_on = h.exit_on
JOIN unions u ON u.union_id = e.approved_by
WHERE a.contact_id IN (SELECT contact_id FROM nominee_contacts)
  AND h.exit_compliant
  AND h.exit_on BETWEEN CAST($ps AS DATE) AND CAST($pe AS DATE)
  AND e.worker_signed
  AND u.level IN ('county', 'city', 'province')
ORDER BY a.contact_id, h.exit_on, h.household_id, e.exit_id
