-- A2 (minor): a household in the active archive on $pe with two or more distinct
-- contacts assigned on pe.
-- One-to-one (一对一对应安排): one fixed contact per household, not several.
SELECT 'A2' AS rule,
       'minor' AS severity,
       h.union_id,
       'household' AS subject_type,
       h.household_id AS subject_id,
       CAST(NULL AS VARCHAR) AS contact_id,
       CAST($pe AS DATE) AS occurred_on,
       '在档家庭同时对应' || CAST(count(DISTINCT a.contact_id) AS VARCHAR) || '名联系人' AS detail
FROM household_span h
JOIN assignment_span a ON a.household_id = h.household_id
WHERE h.filed_on <= CAST($pe AS DATE)
  AND (h.exit_on IS NULL OR h.exit_on > CAST($pe AS DATE))
  AND a.from_date <= CAST($pe AS DATE)
  AND (a.to_date IS NULL OR a.to_date >= CAST($pe AS DATE))
GROUP BY h.union_id, h.household_id
HAVING count(DISTINCT a.contact_id) >= 2
ORDER BY h.union_id, h.household_id
