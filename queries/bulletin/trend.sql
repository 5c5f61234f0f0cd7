-- 家访率趋势 (the bulletin's and the console's eight-quarter chart): the rows of
-- queries/metrics/visit_compliance.sql for each quarter from $ps up to eight, the last
-- ending on or before $pe, in one pass: (qs, union_id, due, visited), one row per
-- quarter and union subtree with a household due, ordered by qs, union_id.
-- Each quarter Q is numbered by its place from $ps (slot 0 .. 7), and so is each date.
-- A household is due in slot i when it was filed before Q began (its filing date's slot
-- < i) and is active on Q's last day (no exit, or its exit's slot > i); it is visited
-- when it also has a valid visit in Q (bit i of the slots of its valid visits). Run one
-- quarter at a time, visit_compliance.sql took 0.13-0.19 s a quarter at 1M households;
-- eight in one pass about 0.4 s (docs/performance.md). The eight places are written out
-- below (a sum of due and of visited households for each, then one row per quarter):
-- joining the households to the eight quarters instead gave 8M rows and took as long as
-- the quarters one at a time (0.57-1.09 s against 0.82-1.01 s).
-- Duty 1 (Investigate): visit each household once every quarter (每季度家访一次).
WITH slot AS (
    SELECT i, qs, CAST(qs + INTERVAL '3 months' - INTERVAL '1 day' AS DATE) AS qe
    FROM (SELECT i, CAST(CAST($ps AS DATE) + shift AS DATE) AS qs
          FROM (VALUES (0, INTERVAL '0 months'), (1, INTERVAL '3 months'),
                       (2, INTERVAL '6 months'), (3, INTERVAL '9 months'),
                       (4, INTERVAL '12 months'), (5, INTERVAL '15 months'),
                       (6, INTERVAL '18 months'), (7, INTERVAL '21 months')) AS s (i, shift))
    WHERE CAST(qs + INTERVAL '3 months' - INTERVAL '1 day' AS DATE) <= CAST($pe AS DATE)
),
-- the slots of the valid visits in the quarters, as bits of one number per household
visited AS (
    SELECT household_key,
           bit_or(CAST(1 AS BIGINT) << (
               (CAST(date_part('year', visited_on) AS BIGINT)
                - CAST(date_part('year', CAST($ps AS DATE)) AS BIGINT)) * 4
               + (CAST(date_part('month', visited_on) AS BIGINT) - 1) / 3
               - (CAST(date_part('month', CAST($ps AS DATE)) AS BIGINT) - 1) / 3)) AS slots
    FROM valid_visit
    WHERE visited_on >= CAST($ps AS DATE)
      AND visited_on <= (SELECT max(qe) FROM slot)
    GROUP BY household_key
),
-- each household's first and last slot due (lo > hi: none)
span AS (
    SELECT h.union_id,
           (CAST(date_part('year', h.filed_on) AS BIGINT)
            - CAST(date_part('year', CAST($ps AS DATE)) AS BIGINT)) * 4
           + (CAST(date_part('month', h.filed_on) AS BIGINT) - 1) / 3
           - (CAST(date_part('month', CAST($ps AS DATE)) AS BIGINT) - 1) / 3 + 1 AS lo,
           CASE WHEN h.exit_on IS NULL THEN 7
                ELSE (CAST(date_part('year', h.exit_on) AS BIGINT)
                      - CAST(date_part('year', CAST($ps AS DATE)) AS BIGINT)) * 4
                     + (CAST(date_part('month', h.exit_on) AS BIGINT) - 1) / 3
                     - (CAST(date_part('month', CAST($ps AS DATE)) AS BIGINT) - 1) / 3 - 1
           END AS hi,
           coalesce(v.slots, 0) AS slots
    FROM household_span h
    LEFT JOIN visited v ON v.household_key = h.household_key
    WHERE h.filed_on < (SELECT max(qs) FROM slot)
),
per_union AS (
    SELECT union_id,
           sum(CASE WHEN lo <= 0 AND hi >= 0 THEN 1 ELSE 0 END) AS due0,
           sum(CASE WHEN lo <= 0 AND hi >= 0 AND slots & 1 <> 0 THEN 1 ELSE 0 END) AS visited0,
           sum(CASE WHEN lo <= 1 AND hi >= 1 THEN 1 ELSE 0 END) AS due1,
           sum(CASE WHEN lo <= 1 AND hi >= 1 AND slots & 2 <> 0 THEN 1 ELSE 0 END) AS visited1,
           sum(CASE WHEN lo <= 2 AND hi >= 2 THEN 1 ELSE 0 END) AS due2,
           sum(CASE WHEN lo <= 2 AND hi >= 2 AND slots & 4 <> 0 THEN 1 ELSE 0 END) AS visited2,
           sum(CASE WHEN lo <= 3 AND hi >= 3 THEN 1 ELSE 0 END) AS due3,
           sum(CASE WHEN lo <= 3 AND hi >= 3 AND slots & 8 <> 0 THEN 1 ELSE 0 END) AS visited3,
           sum(CASE WHEN lo <= 4 AND hi >= 4 THEN 1 ELSE 0 END) AS due4,
           sum(CASE WHEN lo <= 4 AND hi >= 4 AND slots & 16 <> 0 THEN 1 ELSE 0 END) AS visited4,
           sum(CASE WHEN lo <= 5 AND hi >= 5 THEN 1 ELSE 0 END) AS due5,
           sum(CASE WHEN lo <= 5 AND hi >= 5 AND slots & 32 <> 0 THEN 1 ELSE 0 END) AS visited5,
           sum(CASE WHEN lo <= 6 AND hi >= 6 THEN 1 ELSE 0 END) AS due6,
           sum(CASE WHEN lo <= 6 AND hi >= 6 AND slots & 64 <> 0 THEN 1 ELSE 0 END) AS visited6,
           sum(CASE WHEN lo <= 7 AND hi >= 7 THEN 1 ELSE 0 END) AS due7,
           sum(CASE WHEN lo <= 7 AND hi >= 7 AND slots & 128 <> 0 THEN 1 ELSE 0 END) AS visited7
    FROM span
    WHERE lo <= hi
    GROUP BY union_id
),
per_quarter AS (
    SELECT s.qs, p.union_id,
           CASE s.i WHEN 0 THEN due0 WHEN 1 THEN due1 WHEN 2 THEN due2 WHEN 3 THEN due3
                    WHEN 4 THEN due4 WHEN 5 THEN due5 WHEN 6 THEN due6 ELSE due7 END AS due,
           CASE s.i WHEN 0 THEN visited0 WHEN 1 THEN visited1 WHEN 2 THEN visited2
                    WHEN 3 THEN visited3 WHEN 4 THEN visited4 WHEN 5 THEN visited5
                    WHEN 6 THEN visited6 ELSE visited7 END AS visited
    FROM per_union p
    CROSS JOIN slot s
)
SELECT p.qs,
       c.ancestor_id AS union_id,
       sum(p.due) AS due,
       sum(p.visited) AS visited
FROM per_quarter p
JOIN union_closure c ON c.union_id = p.union_id
WHERE p.due > 0
GROUP BY p.qs, c.ancestor_id
ORDER BY p.qs, union_id
