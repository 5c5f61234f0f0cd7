-- The ratings counted in the satisfaction_score of each contact of `nominee_contacts`
-- for the year $ps .. $pe (queries/shortlist/satisfaction_score.sql): the feedback of
-- known households naming the contact, rated in the year, each with its score (1-5).
-- satisfaction_score = (mean score - 1) / 4.
SELECT f.contact_id,
       f.household_id,
       h.union_id,
       f.rated_on,
       CAST(f.score AS BIGINT) AS score
FROM feedback f
JOIN households h ON h.household_key = f.household_key
WHERE f.contact_id IN (SELECT contact_id FROM nominee_contacts)
  AND f.rated_on BETWEEN CAST($ps AS DATE) AND CAST($pe AS DATE)
ORDER BY f.contact_id, f.rated_on, f.household_id
