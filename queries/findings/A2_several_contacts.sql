-- A2 (minor): a household in the active archive on $pe with two or more distinct
-- contacts assigned on pe.
-- One-to-one (一对一对应安排): one fixed contact per household, not several.
-- The distinct pairs first, then counted: a count(DISTINCT contact_id) per household kept
-- a set per household (issue 16).
WITH assigned AS (
    SELECT household_key, count(*) AS contacts
    FROM (SELECT DISTINCT household_key, contact_key
          FROM assignment_span
          WHERE from_date <= CAST($pe AS DATE)
            AND (to_date IS NULL OR to_date >= CAST($pe AS DATE))) p
    GROUP BY household_key
    HAVING count(*) > 1
)
SELECT 'A2' AS rule,
       'minor' AS severity,
       h.union_id,
       'household' AS subject_type,
       h.household_id AS subject_id,
       CAST(NULL AS VARCHAR) AS contact_id,
       CAST($pe AS DATE) AS occurred_on,
       '在档家庭同时对应' || CAST(a.contacts AS VARCHAR) || '名联系人' AS detail
FROM household_span h
JOIN assigned a ON a.household_key = h.household_key
WHERE h.filed_on <= CAST($pe AS DATE)
  AND (h.exit_on IS NULL OR h.exit_on > CAST($pe AS DATE))
ORDER BY h.union_id, h.household_id
