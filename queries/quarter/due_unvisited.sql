-- The households due for a visit in quarter $ps .. $pe (filed before the quarter, active
-- on its last day, the quarter ended by $pe) with no valid visit in it, each with
-- whether it was due in the previous quarter $pps .. $ppe too (filed before that
-- quarter, active on its last day). Registered as `due_unvisited` before the rules of
-- the quarter run: V2 keeps those due before and not visited then either, V1 the others,
-- so the quarter's valid visits are anti-joined once for the two rules.
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
)
SELECT d.household_id, d.household_key, d.union_id, d.due_before
FROM due d
-- an anti-join on the quarter's valid visits (their distinct households collected first
-- took 1.7 times as long)
WHERE NOT EXISTS (SELECT 1
                  FROM valid_visit v
                  WHERE v.household_key = d.household_key
                    AND v.visited_on BETWEEN CAST($ps AS DATE) AND CAST($pe AS DATE))
