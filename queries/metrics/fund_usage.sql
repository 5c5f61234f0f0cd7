-- 帮扶资金使用 fund_usage, per union subtree (by paying union), over $ps .. $pe:
-- payments and funds_paid; funds_on_target = paid to a household in the active archive
-- on the day of payment; funds_flagged = payments named by an F1-F4 finding of the
-- period (table period_findings); funds_ytd = paid from the year's start ($ys) to pe,
-- the numerator of budget_execution.
-- Guarantees (Funding; Supervision of fund direction, scope, target and procedure).
WITH flagged AS (
    SELECT DISTINCT subject_id AS payment_id
    FROM period_findings
    WHERE rule IN ('F1', 'F2', 'F3', 'F4')
),
payment AS (
    SELECT d.union_id,
           d.amount,
           d.paid_on BETWEEN CAST($ps AS DATE) AND CAST($pe AS DATE) AS in_period,
           h.household_id IS NOT NULL
               AND h.filed_on <= d.paid_on
               AND (h.exit_on IS NULL OR h.exit_on > d.paid_on) AS on_target,
           f.payment_id IS NOT NULL AS is_flagged
    FROM disbursements d
    LEFT JOIN household_span h ON h.household_key = d.household_key
    LEFT JOIN flagged f ON f.payment_id = d.payment_id
    WHERE d.paid_on BETWEEN CAST($ys AS DATE) AND CAST($pe AS DATE)
),
per_union AS (
    SELECT union_id,
           count(CASE WHEN in_period THEN 1 END) AS payments,
           sum(CASE WHEN in_period THEN amount END) AS funds_paid,
           sum(CASE WHEN in_period AND on_target THEN amount END) AS funds_on_target,
           sum(CASE WHEN in_period AND is_flagged THEN amount END) AS funds_flagged,
           sum(amount) AS funds_ytd
    FROM payment
    GROUP BY union_id
)
SELECT c.ancestor_id AS union_id,
       sum(p.payments) AS payments,
       sum(p.funds_paid) AS funds_paid,
       sum(p.funds_on_target) AS funds_on_target,
       sum(p.funds_flagged) AS funds_flagged,
       sum(p.funds_ytd) AS funds_ytd
FROM per_union p
JOIN union_closure c ON c.union_id = p.union_id
GROUP BY c.ancestor_id
ORDER BY union_id
