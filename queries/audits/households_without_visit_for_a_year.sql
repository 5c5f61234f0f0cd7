-- 审计：一年以上未走访的在档家庭
-- 说明：建档满一年、未脱困，且最近一次家访（如有）距档案中最晚的家访已超过一年的家庭。联系人制度要求每季度至少走访一次，一年无人走访的家庭已脱离帮扶。
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
