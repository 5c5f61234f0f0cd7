-- 审计：单日集中登记走访
-- 说明：单日登记4次及以上家访的联系人。入户走访需要时间，同一天集中登记（多见于季末）可能是为完成季度任务集中补录，而非实际走访（走访不实）。
-- Contacts who recorded 4 or more home visits on a single day. Real visits take time;
-- a cluster on one day (often the last days of a quarter) suggests visits written up
-- in bulk to meet the quarterly duty rather than made (走访不实).
SELECT v.contact_id,
       c.name,
       c.union_id,
       v.visited_on,
       count(*) AS visits,
       count(DISTINCT v.household_id) AS households_visited
FROM visits v
LEFT JOIN contacts c ON c.contact_id = v.contact_id
GROUP BY v.contact_id, c.name, c.union_id, v.visited_on
HAVING count(*) >= 4
ORDER BY visits DESC, v.contact_id, v.visited_on
