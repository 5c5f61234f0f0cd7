-- Contacts who recorded 4 or more home visits on a single day. Real visits take time;
-- a cluster on one day (often the last days of a quarter) suggests visits written up
-- in bulk to meet the quarterly duty rather than made (走访不实).
SELECT v.contact_id,
       c.name,
       c.union_id,
       v.visited_on,
       count(*) AS visits,
       count(DISTINCT v.household_id) AS households
FROM visits v
LEFT JOIN contacts c ON c.contact_id = v.contact_id
GROUP BY v.contact_id, c.name, c.union_id, v.visited_on
HAVING count(*) >= 4
ORDER BY visits DESC, v.contact_id, v.visited_on
