-- 审计：县级工会专项资金预算执行情况
-- 说明：各县级工会逐年的解困脱困专项资金预算，与其本级及下级工会当年实际发放额之比。执行率过低或超过100%，是督查人员首先要向县级工会了解的。
-- Budget execution of each county-level union and year: the special fund budget
-- (解困脱困专项资金) against what its whole subtree paid in that year. Very low or above
-- 100% execution is what an inspector asks a county about first.
WITH paid AS (
    SELECT uc.ancestor_id AS union_id,
           CAST(date_part('year', d.paid_on) AS BIGINT) AS year,
           sum(d.amount) AS paid
    FROM disbursements d
    JOIN union_closure uc ON uc.union_id = d.union_id
    GROUP BY uc.ancestor_id, CAST(date_part('year', d.paid_on) AS BIGINT)
)
SELECT u.union_id,
       u.name,
       b.year,
       b.amount AS budget,
       coalesce(p.paid, 0) AS paid,
       CASE WHEN b.amount > 0 THEN round(coalesce(p.paid, 0) / b.amount, 4) END AS execution
FROM budgets b
JOIN unions u ON u.union_id = b.union_id
LEFT JOIN paid p ON p.union_id = b.union_id AND p.year = b.year
WHERE u.level = 'county'
ORDER BY b.year, u.union_id
