-- The ratings of the year ($ps .. $pe) that name one contact ($contact), for the
-- records behind its award score (the committee's nominee page). Registered as
-- `feedback` in that page's own scope, in place of every rating of the archive: the two
-- files that read feedback there (queries/shortlist/satisfaction_score.sql, which
-- counts each contact's ratings of the year apart, and queries/nominee/ratings.sql,
-- which lists this contact's) give the same rows for this contact from its ratings
-- alone.
SELECT f.*
FROM feedback f
WHERE f.contact_id = $contact
  AND f.rated_on BETWEEN CAST($ps AS DATE) AND CAST($pe AS DATE)
