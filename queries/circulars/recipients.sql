-- Who receives each union's circular: the union's own address, and in copy its
-- (linked) parent's address (metrics.md, "The union tree"); and the city union above
-- it (level city, the union itself when it is one), for `routing = "city"`. NULL
-- addresses are listed by the engine as undeliverable, never skipped.
WITH city AS (
    SELECT k.union_id, m.union_id AS city_id, m.name AS city_name,
           nullif(trim(m.email), '') AS city_email
    FROM union_city k
    JOIN unions m ON m.union_id = k.city_id
)
SELECT u.union_id,
       u.name,
       nullif(trim(u.email), '') AS email,
       p.union_id AS parent_id,
       p.name AS parent_name,
       nullif(trim(p.email), '') AS parent_email,
       ci.city_id,
       ci.city_name,
       ci.city_email
FROM unions u
LEFT JOIN union_closure c ON c.union_id = u.union_id AND c.depth = 1
LEFT JOIN unions p ON p.union_id = c.ancestor_id
LEFT JOIN city ci ON ci.union_id = u.union_id
ORDER BY u.union_id
