-- Who receives each union's circular: the union's own address, and in copy its
-- (linked) parent's address (metrics.md, "The union tree"). NULL addresses are listed
-- by the engine as undeliverable, never skipped.
SELECT u.union_id,
       u.name,
       nullif(trim(u.email), '') AS email,
       p.union_id AS parent_id,
       p.name AS parent_name,
       nullif(trim(p.email), '') AS parent_email
FROM unions u
LEFT JOIN union_closure c ON c.union_id = u.union_id AND c.depth = 1
LEFT JOIN unions p ON p.union_id = c.ancestor_id
ORDER BY u.union_id
