-- 帮扶资金按类别: payments of the period ($ps .. $pe) made by the unions of $union's
-- subtree, by category (all six categories, zero where none), in the order of
-- archive.md. Amounts are exact; `share` is the category's part of the period's total
-- (NULL when nothing was paid).
WITH category (code, label, ord) AS (
    VALUES ('living', '生活救助', 1), ('medical', '医疗救助', 2), ('education', '助学', 3),
           ('employment', '就业', 4), ('housing', '住房', 5), ('emergency', '临时救助', 6)
),
paid AS (
    SELECT d.category, count(*) AS payments, sum(d.amount) AS amount
    FROM disbursements d
    JOIN union_closure c ON c.union_id = d.union_id AND c.ancestor_id = $union
    WHERE d.paid_on BETWEEN CAST($ps AS DATE) AND CAST($pe AS DATE)
    GROUP BY d.category
)
SELECT k.code AS category, k.label,
       coalesce(p.payments, 0) AS payments,
       coalesce(p.amount, CAST(0 AS DECIMAL(18, 2))) AS amount,
       CAST(p.amount AS DOUBLE) / nullif(sum(CAST(p.amount AS DOUBLE)) OVER (), 0) AS share
FROM category k
LEFT JOIN paid p ON p.category = k.code
ORDER BY k.ord
