-- F1 (major): a payment in quarter $ps .. $pe to a household that is missing, not in
-- the archive, or not in the active archive on the day of payment. Belongs to the
-- paying union.
-- Supervision of funds: direction, scope and target (资金使用方向、范围、对象).
SELECT 'F1' AS rule,
       'major' AS severity,
       d.union_id,
       'payment' AS subject_type,
       d.payment_id AS subject_id,
       CAST(NULL AS VARCHAR) AS contact_id,
       d.paid_on AS occurred_on,
       CASE WHEN d.household_id IS NULL THEN '资金发放未填写受助家庭'
            WHEN h.household_id IS NULL THEN '资金发放对象不在困难职工档案中'
            ELSE '资金发放时受助家庭不在档' END AS detail
FROM disbursements d
LEFT JOIN household_span h ON h.household_key = d.household_key
WHERE d.paid_on BETWEEN CAST($ps AS DATE) AND CAST($pe AS DATE)
  AND (h.household_id IS NULL
       OR h.filed_on > d.paid_on
       OR (h.exit_on IS NOT NULL AND h.exit_on <= d.paid_on))
ORDER BY d.union_id, d.payment_id
