-- 审计：略低于审批额度的资金发放
-- 说明：金额在1,000、2,000、3,000或5,000元整额度的90%以上、额度以下（不含额度）的发放。核查金额是否为规避更高一级审批（资金审批权限）而设定。
-- Payments just below an approval threshold: amounts from 90% up to (not including) a
-- round threshold of 1,000, 2,000, 3,000 or 5,000 元. An inspector checks whether
-- amounts were set to dodge the higher approval a larger payment needs (资金审批权限).
SELECT d.payment_id,
       d.union_id,
       d.household_id,
       d.category,
       d.amount,
       t.threshold,
       d.paid_on,
       d.approved_on
FROM disbursements d
JOIN (VALUES (1000), (2000), (3000), (5000)) AS t(threshold)
  ON d.amount >= t.threshold * 0.9 AND d.amount < t.threshold
ORDER BY t.threshold DESC, d.amount DESC, d.payment_id
