-- The assignments of one contact ($contact), for the records behind its award score
-- (the committee's nominee page). Registered as `assignment_span` in that page's own
-- scope, in place of the view of every contact, so that the steps of
-- queries/shortlist/ (pairs, visit_score, exit_score, request_score) run unchanged and
-- give exactly this contact's rows of the shortlist: each of those steps joins a
-- contact's own assignments only, so no other contact's rows change its figures.
SELECT household_id,
       contact_id,
       from_date,
       to_date,
       left_on,
       contact_union_id
FROM assignment_span
WHERE contact_id = $contact
