-- F3 (major): a payment in quarter $ps .. $pe never approved, or approved only after
-- it was paid.
-- Supervision of funds: procedure (资金使用程序).
SELECT 'F3' AS rule,
       'major' AS severity,
       d.union_id,
       'payment' AS subject_type,
       d.payment_id AS subject_id,
       CAST(NULL AS VARCHAR) AS contact_id,
       d.paid_on AS occurred_on,
       CASE WHEN d.approved_on IS NULL THEN '资金发放未经审批'
            ELSE '资金先发放后审批' END AS detail
FROM disbursements d
WHERE d.paid_on BETWEEN CAST($ps AS DATE) AND CAST($pe AS DATE)
  AND (d.approved_on IS NULL OR d.approved_on > d.paid_on)
ORDER BY d.union_id, d.payment_id
