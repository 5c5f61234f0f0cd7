-- The ranking of the award shortlist, over `shortlist_scored` (one row per contact with
-- a non-empty H(c): its score rounded to 6 decimals, half away from zero, as an exact
-- integer of millionths, computed from the counts of `shortlist_eligibility` with the
-- configured weights). Order: score descending, visit_score descending, households(c)
-- descending, appointed_on ascending, contact_id ascending (byte order).
-- `rank` is the position among eligible contacts (NULL for the others);
-- `overall_rank` the position in the same order with eligibility ignored.
SELECT contact_id,
       CASE
           WHEN eligible THEN row_number() OVER (
               PARTITION BY eligible
               ORDER BY score_micro DESC,
                        CAST(visited_pairs AS DOUBLE) / CAST(pairs AS DOUBLE) DESC,
                        households DESC,
                        appointed_on ASC,
                        contact_id ASC)
       END AS rank,
       row_number() OVER (
           ORDER BY score_micro DESC,
                    CAST(visited_pairs AS DOUBLE) / CAST(pairs AS DOUBLE) DESC,
                    households DESC,
                    appointed_on ASC,
                    contact_id ASC) AS overall_rank
FROM shortlist_scored
ORDER BY overall_rank
