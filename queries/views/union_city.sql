-- The city (市) of every union: itself when its level is city, else its nearest linked
-- ancestor of level city; NULL for the province, unions directly under it and unlinked
-- unions. A contact's city is its union's city (the award shortlist's city quota).
SELECT u.union_id,
       k.ancestor_id AS city_id
FROM unions u
LEFT JOIN (SELECT c.union_id,
                  c.ancestor_id,
                  row_number() OVER (PARTITION BY c.union_id ORDER BY c.depth) AS nearest
           FROM union_closure c
           JOIN unions a ON a.union_id = c.ancestor_id
           WHERE a.level = 'city') k
  ON k.union_id = u.union_id AND k.nearest = 1
