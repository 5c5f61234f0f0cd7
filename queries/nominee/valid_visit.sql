-- The valid visits of the year ($ps .. $pe) to the households of the nominee contacts'
-- assignments, for the records behind its award score (the committee's nominee page).
-- Registered as `valid_visit` in that page's own scope after `assignment_span`
-- (queries/nominee/assignments.sql), in place of the view of every household: the two
-- files that read valid_visit there (queries/shortlist/pairs.sql and
-- queries/nominee/household_quarters.sql) join it to each contact's households of
-- that year's quarters only, so they give the same rows, and scan these contacts' few
-- visits instead of every valid visit of the archive twice (a nominee's first view at
-- 1M households: about 1.0 s before).
SELECT v.visit_key,
       v.household_key,
       v.visited_on
FROM valid_visit v
WHERE v.visited_on BETWEEN CAST($ps AS DATE) AND CAST($pe AS DATE)
  AND v.household_key IN (SELECT household_key FROM assignment_span)
