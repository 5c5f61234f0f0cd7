-- The ratings of the year ($ps .. $pe) that name a contact of `nominee_contacts`, for
-- the records behind their award scores (the committee's nominee pages). Registered as
-- `feedback` in that page's own scope, in place of every rating of the archive: the two
-- files that read feedback there (queries/shortlist/satisfaction_score.sql, which
-- counts each contact's ratings of the year apart, and queries/nominee/ratings.sql,
-- which lists this contact's) give the same rows for each of these contacts from its
-- ratings alone.
SELECT f.*
FROM feedback f
WHERE f.contact_id IN (SELECT contact_id FROM nominee_contacts)
  AND f.rated_on BETWEEN CAST($ps AS DATE) AND CAST($pe AS DATE)
