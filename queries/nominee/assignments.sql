-- The assignments of the contacts of `nominee_contacts` (one or more, a column
-- contact_id), for the records behind their award scores (the committee's nominee
-- pages). Registered as `assignment_span` in their own scope, in place of the view of
-- every contact, so that the steps of queries/shortlist/ (pairs, visit_score,
-- exit_score, request_score) run unchanged and give exactly these contacts' rows of
-- the shortlist: each of those steps joins a contact's own assignments only, so no
-- other contact's rows (of these or of the rest) change its figures.
SELECT household_id,
       household_key,
       contact_id,
       contact_key,
       from_date,
       to_date,
       left_on,
       contact_union_id
FROM assignment_span
WHERE contact_id IN (SELECT contact_id FROM nominee_contacts)
