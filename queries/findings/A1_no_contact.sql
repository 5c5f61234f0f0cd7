-- A1 (major): a household in the active archive on $pe with no assigned contact on pe.
-- One-to-one (一对一对应安排): every hardship household has one fixed contact.
SELECT 'A1' AS rule,
       'major' AS severity,
       h.union_id,
       'household' AS subject_type,
       h.household_id AS subject_id,
       CAST(NULL AS VARCHAR) AS contact_id,
       CAST($pe AS DATE) AS occurred_on,
       '在档家庭没有对应联系人' AS detail
FROM household_span h
WHERE h.filed_on <= CAST($pe AS DATE)
  AND (h.exit_on IS NULL OR h.exit_on > CAST($pe AS DATE))
  AND NOT EXISTS (SELECT 1 FROM assignment_span a
                  WHERE a.household_key = h.household_key
                    AND a.from_date <= CAST($pe AS DATE)
                    AND (a.to_date IS NULL OR a.to_date >= CAST($pe AS DATE)))
ORDER BY h.union_id, h.household_id
