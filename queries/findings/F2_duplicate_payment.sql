-- F2 (major): a payment in quarter $ps .. $pe repeating an earlier payment (any period;
-- earlier day, or same day and smaller payment_id) to the same household, of the same
-- category and amount, at most 30 days before. The latest earlier payment is the one
-- to compare with, and only payments from 30 days before ps can be it.
-- Supervision of funds: fraudulently obtained or duplicated funds (骗取、重复发放).
-- Written as a semi-join rather than the `lag` window: the latest earlier payment is
-- within 30 days exactly when some earlier payment is, and the join needs no sort of
-- the quarter's payments by household (issue 16).
WITH paid AS (
    SELECT d.union_id, d.payment_id, d.household_key, d.category, d.amount, d.paid_on
    FROM disbursements d
    WHERE d.household_key IS NOT NULL
      AND d.paid_on BETWEEN CAST($ps AS DATE) - INTERVAL '30 days' AND CAST($pe AS DATE)
)
SELECT 'F2' AS rule,
       'major' AS severity,
       p.union_id,
       'payment' AS subject_type,
       p.payment_id AS subject_id,
       CAST(NULL AS VARCHAR) AS contact_id,
       p.paid_on AS occurred_on,
       '30天内向同一家庭重复发放同类同额资金' AS detail
FROM paid p
WHERE p.paid_on >= CAST($ps AS DATE)
  AND EXISTS (SELECT 1
              FROM paid e
              WHERE e.household_key = p.household_key
                AND e.category = p.category
                AND e.amount = p.amount
                AND (e.paid_on < p.paid_on
                     OR (e.paid_on = p.paid_on AND e.payment_id < p.payment_id))
                AND p.paid_on - e.paid_on <= 30)   -- days apart
ORDER BY p.union_id, p.payment_id
