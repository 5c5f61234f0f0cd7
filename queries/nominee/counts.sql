-- The counts of each contact of `nominee_contacts` behind its four component scores, as
-- the steps of queries/shortlist/ give them (the same columns as
-- queries/shortlist/eligibility.sql), so that the records listed on the nominee page
-- can be checked against them. One row per contact.
SELECT c.contact_id,
       coalesce(v.pairs, 0) AS pairs,
       coalesce(v.visited_pairs, 0) AS visited_pairs,
       coalesce(v.households, 0) AS households,
       coalesce(e.compliant_exits, 0) AS compliant_exits,
       coalesce(r.requests, 0) AS requests,
       coalesce(r.requests_in_time, 0) AS requests_in_time,
       coalesce(s.ratings, 0) AS ratings,
       coalesce(s.rating_sum, 0) AS rating_sum
FROM nominee_contacts c
LEFT JOIN contacts k ON k.contact_id = c.contact_id
LEFT JOIN shortlist_visit_score v ON v.contact_key = k.contact_key
LEFT JOIN shortlist_exit_score e ON e.contact_key = k.contact_key
LEFT JOIN shortlist_request_score r ON r.contact_key = k.contact_key
LEFT JOIN shortlist_satisfaction_score s ON s.contact_key = k.contact_key
ORDER BY c.contact_id
