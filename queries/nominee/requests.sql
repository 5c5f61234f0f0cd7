-- The requests counted in the request_score of each contact of `nominee_contacts` for
-- the year $ps .. $pe (queries/shortlist/request_score.sql): raised in the year by
-- known households the contact was assigned to on raised_on; `in_time` when resolved
-- within 7 days (resolved_on - raised_on <= 7). request_score = in-time rows / rows.
SELECT DISTINCT a.contact_id,
       r.request_id,
       r.household_id,
       h.union_id,
       r.kind,
       r.raised_on,
       r.resolved_on,
       coalesce(r.resolved_on <= r.raised_on + INTERVAL '7 days', false) AS in_time
FROM requests r
JOIN households h ON h.household_key = r.household_key
JOIN assignment_span a
  ON a.household_key = r.household_key
 AND a.from_date <= r.raised_on
 AND (a.to_date IS NULL OR a.to_date >= r.raised_on)
WHERE a.contact_id IN (SELECT contact_id FROM nominee_contacts)
  AND r.raised_on BETWEEN CAST($ps AS DATE) AND CAST($pe AS DATE)
ORDER BY a.contact_id, r.raised_on, r.request_id
