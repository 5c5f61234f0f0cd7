-- 审计：向核实不符合条件家庭的发放
-- 说明：部门数据比对反馈疑点、联系人随后核实属实（有经营实体、多套住房、车辆或职工已故，家庭不符合条件）以后，仍向该家庭发放的资金。反馈到达后发放的资金可能需要追回。
-- Payments made to a household after a department crosscheck reported a flag that the
-- contact later confirmed (the household is ineligible: a business, several houses, a
-- car, or the worker has died). Money paid after the feedback arrived may have to be
-- recovered.
SELECT d.payment_id,
       d.union_id,
       d.household_id,
       d.amount,
       d.paid_on,
       c.check_id,
       c.department AS crosscheck_department,
       c.flag,
       c.received_on,
       c.verified_on
FROM disbursements d
JOIN crosschecks c ON c.household_id = d.household_id
WHERE c.outcome = 'confirmed'
  AND d.paid_on >= c.received_on
ORDER BY d.household_id, d.paid_on, d.payment_id, c.check_id
