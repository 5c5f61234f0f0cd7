-- F4 (major): a payment in quarter $ps .. $pe to a household that a cross-check had
-- already confirmed ineligible (outcome confirmed, verified on or before the payment).
-- Duty 1 (verify data comparisons) and Supervision of funds: target (资金使用对象).
SELECT 'F4' AS rule,
       'major' AS severity,
       d.union_id,
       'payment' AS subject_type,
       d.payment_id AS subject_id,
       CAST(NULL AS VARCHAR) AS contact_id,
       d.paid_on AS occurred_on,
       '向经比对核实不符合条件的家庭发放资金' AS detail
FROM disbursements d
WHERE d.paid_on BETWEEN CAST($ps AS DATE) AND CAST($pe AS DATE)
  AND EXISTS (SELECT 1 FROM crosschecks k
              JOIN households h ON h.household_key = k.household_key
              WHERE k.household_key = d.household_key
                AND k.outcome = 'confirmed'
                AND k.verified_on <= d.paid_on)
ORDER BY d.union_id, d.payment_id
