-- The requests raised in the year ($ps .. $pe) for the households of the nominee
-- contacts' assignments, for the records behind its award score (the committee's nominee page).
-- Registered as `requests` in that page's own scope after `assignment_span`
-- (queries/nominee/assignments.sql), in place of every request of the archive: the
-- two files that read requests there (queries/shortlist/request_score.sql and
-- queries/nominee/requests.sql) join them to each contact's assignments and keep the
-- year's only, so they give the same rows from a few requests instead of all of them.
SELECT r.*
FROM requests r
WHERE r.raised_on BETWEEN CAST($ps AS DATE) AND CAST($pe AS DATE)
  AND r.household_key IN (SELECT household_key FROM assignment_span)
