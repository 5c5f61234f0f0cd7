-- The contact held responsible for each household on the quarter's last day $pe: the
-- lowest contact_id (byte order) among the known contacts assigned to it on that day.
-- Registered as `assigned_on_pe` before the rules of the quarter run (V1, V2, C1, R1,
-- R2 name this contact). Duty: one fixed contact per household (一对一).
-- The contacts are numbered in the byte order of their ids (engine/src/sql/keys.rs), so
-- the lowest contact_key is the lowest contact_id: the minimum is taken of integers and
-- the id looked up after (the minimum of the ids as text took 2-3 times as long).
WITH lowest AS (
    SELECT household_key, min(contact_key) AS contact_key
    FROM assignment_span
    WHERE from_date <= CAST($pe AS DATE)
      AND (to_date IS NULL OR to_date >= CAST($pe AS DATE))
    GROUP BY household_key
)
SELECT l.household_key, c.contact_id
FROM lowest l
JOIN contacts c ON c.contact_key = l.contact_key
-- (no ORDER BY: the rules only join this table, and sort their own rows; sorting its
-- 1M rows took half its time at 1M households, issue 16)
