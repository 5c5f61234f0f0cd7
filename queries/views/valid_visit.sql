-- Valid home visits (有效家访) of known households: at least one photo or video, and the
-- evidence uploaded to the platform 0 to 30 days after the visit.
-- Duty 1 (Investigate): visit once every quarter and upload photo/video evidence.
-- Only the columns the queries read are kept, as integers (the view's ~10M rows at 1M
-- households are held for the whole run): the visit's id and contact are visits.visit_id
-- and visits.contact_id by visit_key, its household's id households.household_id by
-- household_key.
SELECT v.visit_key,
       v.household_key,
       v.visited_on
FROM visits v
JOIN households h ON h.household_key = v.household_key
WHERE v.photos + v.videos >= 1
  AND v.uploaded_on IS NOT NULL
  -- a date minus a date is their days apart: whole-number arithmetic on each row,
  -- where adding INTERVAL '30 days' to each row took ten times longer (issue 16)
  AND v.uploaded_on - v.visited_on BETWEEN 0 AND 30
