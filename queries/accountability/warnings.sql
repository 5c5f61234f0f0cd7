-- 预警 early warnings as of day $asof (accountability.md, "Early warning"): what will
-- become a finding unless something is done, with the day it falls due. $ps .. $pe is
-- the quarter containing $asof; table previous_majors holds the major findings (not K1)
-- of the quarter before it, whose deadline d(f) is $ppe + 60 days.
-- W1 a household due a visit this quarter with no valid visit yet; W2 an urgent request
-- within its 7 days; W3 a flagged cross-check within its 30 days; W4 a correction due
-- (only when the archive records rectifications); W5 a referral within its 15 days.
-- Contact: for W1–W3 the lowest contact_id assigned to the household on $asof; for W4
-- the finding's; for W5 the referral's. Ordered by due_on, warning, subject_id.
WITH assigned AS (
    SELECT household_key, min(contact_id) AS contact_id
    FROM assignment_span
    WHERE from_date <= CAST($asof AS DATE)
      AND (to_date IS NULL OR to_date >= CAST($asof AS DATE))
    GROUP BY household_key
),
visited AS (
    SELECT DISTINCT household_key
    FROM visits
    WHERE visited_on BETWEEN CAST($ps AS DATE) AND CAST($asof AS DATE)
      AND photos + videos >= 1
      AND uploaded_on IS NOT NULL
      AND uploaded_on <= CAST($asof AS DATE)
      AND uploaded_on - visited_on BETWEEN 0 AND 30   -- days apart, as valid_visit
),
w AS (
    SELECT 'W1' AS warning, h.union_id, 'household' AS subject_type,
           h.household_id AS subject_id, a.contact_id, CAST($pe AS DATE) AS due_on
    FROM household_span h
    LEFT JOIN assigned a ON a.household_key = h.household_key
    LEFT JOIN visited v ON v.household_key = h.household_key
    WHERE h.filed_on < CAST($ps AS DATE)
      AND h.filed_on <= CAST($asof AS DATE)
      AND (h.exit_on IS NULL OR h.exit_on > CAST($asof AS DATE))
      AND v.household_key IS NULL
    UNION ALL
    SELECT 'W2', h.union_id, 'request', r.request_id, a.contact_id,
           CAST(r.raised_on + INTERVAL '7 days' AS DATE)
    FROM requests r
    JOIN households h ON h.household_key = r.household_key
    LEFT JOIN assigned a ON a.household_key = r.household_key
    WHERE r.raised_on <= CAST($asof AS DATE)
      AND CAST($asof AS DATE) - r.raised_on < 7
      AND (r.resolved_on IS NULL OR r.resolved_on > CAST($asof AS DATE))
    UNION ALL
    SELECT 'W3', h.union_id, 'crosscheck', x.check_id, a.contact_id,
           CAST(x.received_on + INTERVAL '30 days' AS DATE)
    FROM crosschecks x
    JOIN households h ON h.household_key = x.household_key
    LEFT JOIN assigned a ON a.household_key = x.household_key
    WHERE x.flag <> 'none'
      AND x.received_on <= CAST($asof AS DATE)
      AND CAST($asof AS DATE) - x.received_on < 30
      AND (x.verified_on IS NULL OR x.verified_on > CAST($asof AS DATE))
    UNION ALL
    SELECT 'W4', f.union_id, 'finding',
           f.rule || ':' || f.subject_id || ':' || CAST(f.occurred_on AS VARCHAR),
           f.contact_id, CAST(CAST($ppe AS DATE) + INTERVAL '60 days' AS DATE)
    FROM previous_majors f
    -- corrections verified on or before D by a compliant union (an anti-join, as K1)
    LEFT JOIN (SELECT DISTINCT r.rule, r.subject_id, r.occurred_on
               FROM rectifications r
               JOIN unions u ON u.union_id = r.verified_by
               WHERE r.verified_on IS NOT NULL
                 AND r.verified_on <= CAST($asof AS DATE)
                 AND u.level IN ('county', 'city', 'province')) v
      ON v.rule = f.rule AND v.subject_id = f.subject_id AND v.occurred_on = f.occurred_on
    WHERE v.rule IS NULL
      AND (SELECT COUNT(*) FROM rectifications) > 0
      AND CAST($asof AS DATE) <= CAST($ppe AS DATE) + INTERVAL '60 days'
    UNION ALL
    SELECT 'W5', h.union_id, 'referral', r.referral_id, r.contact_id,
           CAST(r.referred_on + INTERVAL '15 days' AS DATE)
    FROM referrals r
    JOIN households h ON h.household_key = r.household_key
    WHERE r.referred_on <= CAST($asof AS DATE)
      AND CAST($asof AS DATE) - r.referred_on < 15
      AND (r.forwarded_on IS NULL OR r.forwarded_on > CAST($asof AS DATE))
)
SELECT warning, union_id, subject_type, subject_id, contact_id, due_on,
       CAST(due_on - CAST($asof AS DATE) AS BIGINT) AS days_left
FROM w
ORDER BY due_on, warning, subject_id
