-- C1 (major): a department cross-check flag (工商、住建、公安 data comparison) received
-- at least 30 days before $pe and still not verified on pe. Contact: the lowest
-- contact_id assigned to the household on pe. Occurred 30 days after receipt.
-- Duty 1 (Investigate): verify the feedback of data comparisons.
SELECT 'C1' AS rule,
       'major' AS severity,
       h.union_id,
       'crosscheck' AS subject_type,
       k.check_id AS subject_id,
       a.contact_id,
       CAST(k.received_on + INTERVAL '30 days' AS DATE) AS occurred_on,
       '部门比对疑点超过30天未核实' AS detail
FROM crosschecks k
JOIN households h ON h.household_key = k.household_key
LEFT JOIN assigned_on_pe a ON a.household_key = k.household_key
WHERE k.flag <> 'none'
  AND k.received_on <= CAST($pe AS DATE) - INTERVAL '30 days'
  AND (k.verified_on IS NULL OR k.verified_on > CAST($pe AS DATE))
ORDER BY h.union_id, k.check_id
