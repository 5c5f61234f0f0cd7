-- V2 (major): a household due in quarter $ps .. $pe and in the previous quarter
-- $pps .. $ppe with no valid visit in either. Contact: the lowest contact_id assigned
-- to it on pe.
-- Duty 1 (Investigate): visit each household once every quarter (每季度家访一次).
WITH due AS (
    SELECT h.household_id, h.household_key, h.union_id
    FROM household_span h
    WHERE h.filed_on < CAST($pps AS DATE)
      AND (h.exit_on IS NULL OR h.exit_on > CAST($pe AS DATE))
      -- the quarter has ended by $pe (a quarter not yet ended is not yet due)
      AND CAST(CAST($ps AS DATE) + INTERVAL '3 months' - INTERVAL '1 day' AS DATE)
          <= CAST($pe AS DATE)
),
-- the due households with no valid visit in the two quarters (an anti-join on the visits
-- of the two quarters: their distinct households collected first took 1.7 times as long)
missed AS (
    SELECT d.*
    FROM due d
    WHERE NOT EXISTS (SELECT 1
                      FROM valid_visit v
                      WHERE v.household_key = d.household_key
                        AND v.visited_on BETWEEN CAST($pps AS DATE) AND CAST($pe AS DATE))
)
SELECT 'V2' AS rule,
       'major' AS severity,
       d.union_id,
       'household' AS subject_type,
       d.household_id AS subject_id,
       a.contact_id,
       CAST($pe AS DATE) AS occurred_on,
       '连续两个季度（' || CAST($prev_cn AS VARCHAR) || '、' || CAST($period_cn AS VARCHAR)
           || '）未入户走访' AS detail
FROM missed d
LEFT JOIN assigned_on_pe a ON a.household_key = d.household_key
ORDER BY d.union_id, d.household_id
