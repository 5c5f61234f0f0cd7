-- Filed households not exited whose last home visit (if any) is more than a year before
-- the archive's latest visit: the contact system promises at least one visit a quarter,
-- so a household left alone for a year has fallen out of care.
WITH last_visit AS (
    SELECT household_id, max(visited_on) AS last_visited_on
    FROM visits
    GROUP BY household_id
),
as_of AS (
    SELECT max(visited_on) AS day FROM visits
),
exited AS (
    SELECT DISTINCT household_id FROM exits WHERE approved_on IS NOT NULL
)
SELECT h.household_id,
       h.union_id,
       h.filed_on,
       l.last_visited_on,
       a.day AS as_of
FROM households h
CROSS JOIN as_of a
LEFT JOIN last_visit l ON l.household_id = h.household_id
WHERE h.household_id NOT IN (SELECT household_id FROM exited)
  AND h.filed_on <= a.day - INTERVAL '1 year'
  AND (l.last_visited_on IS NULL OR l.last_visited_on < a.day - INTERVAL '1 year')
ORDER BY l.last_visited_on NULLS FIRST, h.household_id
