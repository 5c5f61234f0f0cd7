-- V4 (major): a known contact with more than 6 visits (valid or not) on one day of
-- quarter $ps .. $pe; one row per contact and day, belonging to the contact's union.
-- Duty 1 (Investigate) and Supervision: perfunctory or falsified visits (敷衍、弄虚作假).
-- (table quarter_visits: the quarter's visits of known households, queries/quarter/)
-- The visits are counted per contact key and day first, and only the days over six are
-- joined to the contacts: grouped by the contacts' union and id (text), 0.6M visits a
-- quarter took a third longer.
WITH day AS (
    SELECT v.contact_key, v.visited_on, count(*) AS visits
    FROM quarter_visits v
    GROUP BY v.contact_key, v.visited_on
    HAVING count(*) > 6
)
SELECT 'V4' AS rule,
       'major' AS severity,
       c.union_id,
       'contact' AS subject_type,
       c.contact_id AS subject_id,
       c.contact_id,
       d.visited_on AS occurred_on,
       '同一天登记走访' || CAST(d.visits AS VARCHAR) || '次，超过6次' AS detail
FROM day d
JOIN contacts c ON c.contact_key = d.contact_key
ORDER BY c.union_id, c.contact_id, d.visited_on
