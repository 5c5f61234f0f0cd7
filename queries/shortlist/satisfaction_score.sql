-- satisfaction_score per contact for the year $ps .. $pe: the feedback of known
-- households naming the contact, rated in the year, as a count and a sum of scores
-- (1-5). satisfaction_score = (rating_sum / ratings - 1) / 4, 0.5 when there are none.
-- Registered as `shortlist_satisfaction_score`.
-- Duty 3 (Help): the families' own judgement of their contact (满意度评价).
SELECT f.contact_key,
       count(*) AS ratings,
       CAST(sum(f.score) AS BIGINT) AS rating_sum
FROM feedback f
JOIN households h ON h.household_key = f.household_key
WHERE f.rated_on BETWEEN CAST($ps AS DATE) AND CAST($pe AS DATE)
GROUP BY f.contact_key
