-- The household-quarters H(c) behind the visit_score of each contact of
-- `nominee_contacts` in the year $ps .. $pe (the rows of `shortlist_pairs`,
-- queries/shortlist/pairs.sql): each household due a visit in a quarter while the
-- contact was assigned to it on the quarter's last day, whether it had a valid visit in
-- that quarter (by any contact), and those valid visits. visit_score = visited rows /
-- rows.
SELECT c.contact_id,
       h.household_id,
       h.union_id,
       p.qs AS quarter_start,
       p.visited,
       string_agg(x.visit_id, ', ' ORDER BY x.visit_id) AS valid_visits
FROM shortlist_pairs p
JOIN contacts c ON c.contact_key = p.contact_key
JOIN household_span h ON h.household_key = p.household_key
LEFT JOIN valid_visit v
  ON v.household_key = p.household_key
 AND CAST(date_trunc('quarter', v.visited_on) AS DATE) = p.qs
LEFT JOIN visits x ON x.visit_key = v.visit_key
WHERE c.contact_id IN (SELECT contact_id FROM nominee_contacts)
GROUP BY c.contact_id, h.household_id, h.union_id, p.qs, p.visited
ORDER BY c.contact_id, p.qs, h.household_id
