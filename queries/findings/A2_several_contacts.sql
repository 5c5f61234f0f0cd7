-- A2 (minor): a household in the active archive on $pe with two or more distinct
-- contacts assigned on pe.
-- One-to-one (一对一对应安排): one fixed contact per household, not several.
-- The households with two or more contacts are found first, by their lowest and highest
-- contact key (two integers per household), and only theirs are counted: the distinct
-- pairs of every household collected first took a quarter longer, and a
-- count(DISTINCT contact_id) per household kept a set per household (issue 16).
WITH active AS (
    SELECT household_key, contact_key
    FROM assignment_span
    WHERE from_date <= CAST($pe AS DATE)
      AND (to_date IS NULL OR to_date >= CAST($pe AS DATE))
),
several AS (
    SELECT household_key
    FROM active
    GROUP BY household_key
    HAVING min(contact_key) < max(contact_key)
),
assigned AS (
    SELECT a.household_key, count(DISTINCT a.contact_key) AS contacts
    FROM active a
    JOIN several s ON s.household_key = a.household_key
    GROUP BY a.household_key
)
SELECT 'A2' AS rule,
       'minor' AS severity,
       h.union_id,
       'household' AS subject_type,
       h.household_id AS subject_id,
       CAST(NULL AS VARCHAR) AS contact_id,
       CAST($pe AS DATE) AS occurred_on,
       '在档家庭同时对应' || CAST(a.contacts AS VARCHAR) || '名联系人' AS detail
FROM assigned a
JOIN household_span h ON h.household_key = a.household_key
WHERE h.filed_on <= CAST($pe AS DATE)
  AND (h.exit_on IS NULL OR h.exit_on > CAST($pe AS DATE))
ORDER BY h.union_id, h.household_id
