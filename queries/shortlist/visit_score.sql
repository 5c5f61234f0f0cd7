-- visit_score per contact for the year: the share of its H(c) pairs (shortlist_pairs)
-- that have a valid visit, as the two counts `visited_pairs / pairs`; `households` is
-- households(c), the distinct households among the pairs. Registered as
-- `shortlist_visit_score`.
SELECT contact_id,
       count(*) AS pairs,
       count(CASE WHEN visited THEN 1 END) AS visited_pairs,
       count(DISTINCT household_id) AS households
FROM shortlist_pairs
GROUP BY contact_id
