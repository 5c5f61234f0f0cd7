-- visit_score per contact for the year: the share of its H(c) pairs (shortlist_pairs)
-- that have a valid visit, as the two counts `visited_pairs / pairs`; `households` is
-- households(c), the distinct households among the pairs. Registered as
-- `shortlist_visit_score`.
-- Counted per (contact, household) first: a count(DISTINCT household_id) per contact
-- kept a set of households per contact and took 2.6 GB at 1M households (issue 16).
WITH per_household AS (
    SELECT contact_key,
           household_key,
           count(*) AS pairs,
           count(CASE WHEN visited THEN 1 END) AS visited_pairs
    FROM shortlist_pairs
    GROUP BY contact_key, household_key
)
SELECT contact_key,
       sum(pairs) AS pairs,
       sum(visited_pairs) AS visited_pairs,
       count(*) AS households
FROM per_household
GROUP BY contact_key
