-- V5 (minor): a visit in quarter $ps .. $pe by a contact who was not assigned to the
-- household on the day of the visit. Contact: the visit's contact.
-- One-to-one (一对一对应安排): each household has one fixed contact who visits it.
SELECT 'V5' AS rule,
       'minor' AS severity,
       h.union_id,
       'visit' AS subject_type,
       v.visit_id AS subject_id,
       v.contact_id,
       v.visited_on AS occurred_on,
       '走访人不是该户当日的对应联系人' AS detail
FROM visits v
JOIN households h ON h.household_key = v.household_key
WHERE v.visited_on BETWEEN CAST($ps AS DATE) AND CAST($pe AS DATE)
  AND NOT EXISTS (SELECT 1 FROM assignment_span a
                  WHERE a.household_key = v.household_key
                    AND a.contact_key = v.contact_key
                    AND a.from_date <= v.visited_on
                    AND (a.to_date IS NULL OR a.to_date >= v.visited_on))
ORDER BY h.union_id, v.visit_id
