-- Every contact with the counts behind its four component scores for the year
-- $ps .. $pe and the reasons it may not be shortlisted (eligible when none holds):
-- appointed after 06-30 of the year; left on or before 12-31; fewer than 3 households
-- in H(c); no training in the year; a major finding naming it in any quarter of the
-- year (`major_rules`, the rule ids, from `shortlist_findings`: the rows of the year's
-- four quarters, exactly as `tiexin findings` gives them, of the rules that can name a
-- contact in a major finding, C1 F5 I1 K1 R2 S2 V2 V3 V4).
-- Liaisons (role `liaison`, accountability.md) are never eligible: they are not
-- candidates at all, so they are left out here.
-- Registered as `shortlist_eligibility`.
WITH trained AS (
    SELECT DISTINCT contact_id
    FROM trainings
    WHERE trained_on BETWEEN CAST($ps AS DATE) AND CAST($pe AS DATE)
),
major AS (
    SELECT contact_id, string_agg(rule, ', ' ORDER BY rule) AS major_rules
    FROM (SELECT DISTINCT contact_id, rule
          FROM shortlist_findings
          WHERE severity = 'major' AND contact_id IS NOT NULL) m
    GROUP BY contact_id
)
SELECT c.contact_id,
       c.name,
       c.union_id,
       u.name AS union_name,
       uc.city_id,
       cu.name AS city_name,
       c.phone,
       c.appointed_on,
       coalesce(v.pairs, 0) AS pairs,
       coalesce(v.visited_pairs, 0) AS visited_pairs,
       coalesce(v.households, 0) AS households,
       coalesce(e.compliant_exits, 0) AS compliant_exits,
       coalesce(r.requests, 0) AS requests,
       coalesce(r.requests_in_time, 0) AS requests_in_time,
       coalesce(s.ratings, 0) AS ratings,
       coalesce(s.rating_sum, 0) AS rating_sum,
       c.appointed_on > CAST(CAST($ps AS DATE) + INTERVAL '6 months' - INTERVAL '1 day' AS DATE)
           AS appointed_late,
       c.left_on IS NOT NULL AND c.left_on <= CAST($pe AS DATE) AS left_in_year,
       coalesce(v.households, 0) < 3 AS few_households,
       t.contact_id IS NULL AS untrained,
       m.major_rules
FROM contacts c
LEFT JOIN unions u ON u.union_id = c.union_id
LEFT JOIN union_city uc ON uc.union_id = c.union_id
LEFT JOIN unions cu ON cu.union_id = uc.city_id
LEFT JOIN shortlist_visit_score v ON v.contact_key = c.contact_key
LEFT JOIN shortlist_exit_score e ON e.contact_key = c.contact_key
LEFT JOIN shortlist_request_score r ON r.contact_key = c.contact_key
LEFT JOIN shortlist_satisfaction_score s ON s.contact_key = c.contact_key
LEFT JOIN trained t ON t.contact_id = c.contact_id
LEFT JOIN major m ON m.contact_id = c.contact_id
WHERE c.role <> 'liaison'
ORDER BY c.contact_id
