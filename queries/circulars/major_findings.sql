-- 督查通报: the quarter's major findings (table circular_findings = the findings of the
-- quarter, from queries/findings/*.sql), one row each, with what a circular prints:
-- the union's name, the household head's name for household subjects (masked by the
-- engine to 张*明 before it is printed) and the responsible contact's name.
-- Duty: 四（四）加强督查问效 — 完善纠错问责制度 … 给予通报批评.
SELECT f.union_id,
       u.name AS union_name,
       f.rule,
       f.subject_type,
       f.subject_id,
       h.head_name,
       f.contact_id,
       c.name AS contact_name,
       f.occurred_on,
       f.detail
FROM circular_findings f
LEFT JOIN unions u ON u.union_id = f.union_id
LEFT JOIN households h ON f.subject_type = 'household' AND h.household_id = f.subject_id
LEFT JOIN contacts c ON c.contact_id = f.contact_id
WHERE f.severity = 'major'
ORDER BY f.union_id, f.rule, f.subject_id, f.occurred_on
