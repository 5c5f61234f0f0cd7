-- V5 (minor): a visit in quarter $ps .. $pe by a contact who was not assigned to the
-- household on the day of the visit. Contact: the visit's contact.
-- One-to-one (一对一对应安排): each household has one fixed contact who visits it.
-- (table quarter_visits: the quarter's visits of known households with their union,
-- queries/quarter/)
-- The visits are matched to the assignments in force on some day of the quarter only
-- (every assignment took 15% longer).
WITH assignment AS (
    SELECT household_key, contact_key, from_date, to_date
    FROM assignment_span
    WHERE from_date <= CAST($pe AS DATE)
      AND (to_date IS NULL OR to_date >= CAST($ps AS DATE))
)
SELECT 'V5' AS rule,
       'minor' AS severity,
       v.union_id,
       'visit' AS subject_type,
       v.visit_id AS subject_id,
       v.contact_id,
       v.visited_on AS occurred_on,
       '走访人不是该户当日的对应联系人' AS detail
FROM quarter_visits v
WHERE NOT EXISTS (SELECT 1
                  FROM assignment a
                  WHERE a.household_key = v.household_key
                    AND a.contact_key = v.contact_key
                    AND a.from_date <= v.visited_on
                    AND (a.to_date IS NULL OR a.to_date >= v.visited_on))
ORDER BY v.union_id, v.visit_id
