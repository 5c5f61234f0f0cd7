-- A3 (major): a household in the active archive on $pe one of whose contacts assigned
-- on pe has already left (left_on <= pe): the pairing was not handed over.
-- One-to-one (一对一对应安排): the fixed contact must be in service.
SELECT 'A3' AS rule,
       'major' AS severity,
       h.union_id,
       'household' AS subject_type,
       h.household_id AS subject_id,
       CAST(NULL AS VARCHAR) AS contact_id,
       CAST($pe AS DATE) AS occurred_on,
       '对应联系人已离任，未重新安排' AS detail
FROM household_span h
WHERE h.filed_on <= CAST($pe AS DATE)
  AND (h.exit_on IS NULL OR h.exit_on > CAST($pe AS DATE))
  AND EXISTS (SELECT 1 FROM assignment_span a
              WHERE a.household_key = h.household_key
                AND a.from_date <= CAST($pe AS DATE)
                AND (a.to_date IS NULL OR a.to_date >= CAST($pe AS DATE))
                AND a.left_on <= CAST($pe AS DATE))
ORDER BY h.union_id, h.household_id
