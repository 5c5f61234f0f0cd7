-- 审计：分日拆分发放
-- 说明：同一工会7天之内向同一家庭的多笔发放。大额资金分日发放看似几笔小额，可规避审批额度；确属重复的是重复发放（F2只查同一天）。
-- Payments to the same household by the same union within 7 days of each other: a large
-- payment split across days looks like several small ones and escapes the approval
-- limit; a true repeat is a duplicate payment (F2 catches only the same day).
SELECT a.household_id,
       a.union_id,
       a.payment_id AS first_payment,
       a.paid_on AS first_paid_on,
       a.amount AS first_amount,
       b.payment_id AS next_payment,
       b.paid_on AS next_paid_on,
       b.amount AS next_amount,
       a.amount + b.amount AS together
FROM disbursements a
JOIN disbursements b
  ON b.household_id = a.household_id
 AND b.union_id = a.union_id
 AND b.payment_id <> a.payment_id
 AND b.paid_on > a.paid_on
 AND b.paid_on <= a.paid_on + INTERVAL '7 days'
ORDER BY a.household_id, a.paid_on, b.paid_on, a.payment_id, b.payment_id
