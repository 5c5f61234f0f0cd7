-- F2 (major): a payment in quarter $ps .. $pe repeating an earlier payment (any period;
-- earlier day, or same day and smaller payment_id) to the same household, of the same
-- category and amount, at most 30 days before. The latest earlier payment is the one
-- to compare with, and only payments from 30 days before ps can be it.
-- Supervision of funds: fraudulently obtained or duplicated funds (骗取、重复发放).
WITH recent AS (
    SELECT d.union_id,
           d.payment_id,
           d.paid_on,
           lag(d.paid_on) OVER (PARTITION BY d.household_id, d.category, d.amount
                                ORDER BY d.paid_on, d.payment_id) AS previous_on
    FROM disbursements d
    WHERE d.household_id IS NOT NULL
      AND d.paid_on BETWEEN CAST($ps AS DATE) - INTERVAL '30 days' AND CAST($pe AS DATE)
)
SELECT 'F2' AS rule,
       'major' AS severity,
       r.union_id,
       'payment' AS subject_type,
       r.payment_id AS subject_id,
       CAST(NULL AS VARCHAR) AS contact_id,
       r.paid_on AS occurred_on,
       '30天内向同一家庭重复发放同类同额资金' AS detail
FROM recent r
WHERE r.paid_on >= CAST($ps AS DATE)
  AND r.paid_on <= r.previous_on + INTERVAL '30 days'
ORDER BY r.union_id, r.payment_id
