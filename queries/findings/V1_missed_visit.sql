-- V1 (minor): a household due for a visit in quarter $ps .. $pe (filed before the
-- quarter, active on its last day) with no valid visit in it, unless V2 already names
-- it. Contact: the lowest contact_id assigned to it on pe.
-- Duty 1 (Investigate): visit each household once every quarter (每季度家访一次).
WITH due AS (
    SELECT h.household_id, h.household_key, h.union_id,
           h.filed_on < CAST($pps AS DATE)
               AND (h.exit_on IS NULL OR h.exit_on > CAST($ppe AS DATE)) AS due_before
    FROM household_span h
    WHERE h.filed_on < CAST($ps AS DATE)
      AND (h.exit_on IS NULL OR h.exit_on > CAST($pe AS DATE))
      -- the quarter has ended by $pe (a quarter not yet ended is not yet due)
      AND CAST(CAST($ps AS DATE) + INTERVAL '3 months' - INTERVAL '1 day' AS DATE)
          <= CAST($pe AS DATE)
),
visited AS (
    SELECT household_key,
           bool_or(visited_on >= CAST($ps AS DATE)) AS this_quarter,
           bool_or(visited_on < CAST($ps AS DATE)) AS previous_quarter
    FROM valid_visit
    WHERE visited_on BETWEEN CAST($pps AS DATE) AND CAST($pe AS DATE)
    GROUP BY household_key
)
SELECT 'V1' AS rule,
       'minor' AS severity,
       d.union_id,
       'household' AS subject_type,
       d.household_id AS subject_id,
       a.contact_id,
       CAST($pe AS DATE) AS occurred_on,
       CAST($period_cn AS VARCHAR) || '未入户走访' AS detail
FROM due d
LEFT JOIN visited v ON v.household_key = d.household_key
LEFT JOIN assigned_on_pe a ON a.household_key = d.household_key
WHERE NOT coalesce(v.this_quarter, false)
  -- not V2: due in the previous quarter too and not visited there either
  AND NOT (d.due_before AND NOT coalesce(v.previous_quarter, false))
ORDER BY d.union_id, d.household_id
