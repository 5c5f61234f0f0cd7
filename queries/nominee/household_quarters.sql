-- The household-quarters H(c) behind the visit_score of each contact of
-- `nominee_contacts` in the year $ps .. $pe (the rows of `shortlist_pairs`,
-- queries/shortlist/pairs.sql): each household due a visit in a quarter while the
-- contact was assigned to it on the quarter's last day, whether it had a valid visit in
-- that quarter (by any contact), and those valid visits. visit_score = visited rows /
-- rows.
SELECT p.contact_id,
       p.household_id,
       h.union_id,
       p.qs AS quarter_start,
       p.visited,
       string_agg(v.visit_id, ', ' ORDER BY v.visit_id) AS valid_visits
FROM shortlist_pairs p
JOIN household_span h ON h.household_id = p.household_id
LEFT JOIN valid_visit v
  ON v.household_id = p.household_id
 AND CAST(date_trunc('quarter', v.visited_on) AS DATE) = p.qs
WHERE p.contact_id IN (SELECT contact_id FROM nominee_contacts)
GROUP BY p.contact_id, p.household_id, h.union_id, p.qs, p.visited
ORDER BY p.contact_id, p.qs, p.household_id
