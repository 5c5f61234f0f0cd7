-- 联系人交通通讯补贴 subsidies_paid, per union subtree (by paying union): subsidies
-- whose month falls in the period $ps .. $pe.
-- Guarantees (Funding): contacts may get transport/phone subsidies (rule F5 checks the
-- civil-servant exception).
SELECT c.ancestor_id AS union_id,
       sum(s.amount) AS subsidies_paid
FROM subsidies s
JOIN union_closure c ON c.union_id = s.union_id
WHERE CAST(s.month || '-01' AS DATE) BETWEEN CAST($ps AS DATE) AND CAST($pe AS DATE)
GROUP BY c.ancestor_id
ORDER BY union_id
