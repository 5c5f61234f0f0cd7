-- F2 (major): a payment in quarter $ps .. $pe repeating an earlier payment (any period;
-- earlier day, or same day and smaller payment_id) to the same household, of the same
-- category and amount, at most 30 days before.
-- Supervision of funds: fraudulently obtained or duplicated funds (骗取、重复发放).
SELECT 'F2' AS rule,
       'major' AS severity,
       d.union_id,
       'payment' AS subject_type,
       d.payment_id AS subject_id,
       CAST(NULL AS VARCHAR) AS contact_id,
       d.paid_on AS occurred_on,
       '30天内向同一家庭重复发放同类同额资金' AS detail
FROM disbursements d
WHERE d.paid_on BETWEEN CAST($ps AS DATE) AND CAST($pe AS DATE)
  AND d.household_id IS NOT NULL
  AND EXISTS (SELECT 1 FROM disbursements o
              WHERE o.household_id = d.household_id
                AND o.category = d.category
                AND o.amount = d.amount
                AND (o.paid_on < d.paid_on
                     OR (o.paid_on = d.paid_on AND o.payment_id < d.payment_id))
                AND d.paid_on <= o.paid_on + INTERVAL '30 days')
ORDER BY d.union_id, d.payment_id
