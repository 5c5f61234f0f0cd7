-- 整改核查 (tiexin rectify): the major findings (not K1) of quarter $ps .. $pe (table
-- quarter_majors) with their deadline d(f) = $pe + 60 days and the state of their
-- correction as of $asof. Of several rectification rows of a finding, the one shown is
-- the first verified by a union at county level or above (earliest verification), else
-- the latest reported. status: on_time (verified by such a union by the deadline),
-- pending (not yet; the deadline has not passed), late (verified after it), unverified
-- (reported, not verified by such a union), not_reported.
-- Supervision: corrections (整改) are checked by a union at county level or above.
WITH m AS (
    SELECT f.rule, f.union_id, f.subject_type, f.subject_id, f.contact_id, f.occurred_on,
           CAST(CAST($pe AS DATE) + INTERVAL '60 days' AS DATE) AS deadline
    FROM quarter_majors f
),
rows_of AS (
    SELECT m.rule, m.subject_id, m.occurred_on, x.rectification_id, x.reported_on,
           x.verified_on, x.verified_by,
           x.verified_on IS NOT NULL
               AND coalesce(a.level IN ('county', 'city', 'province'), false) AS compliant
    FROM m
    JOIN rectifications x
      ON x.rule = m.rule AND x.subject_id = m.subject_id AND x.occurred_on = m.occurred_on
    LEFT JOIN unions a ON a.union_id = x.verified_by
),
ranked AS (
    SELECT *,
           row_number() OVER (PARTITION BY rule, subject_id, occurred_on
                              ORDER BY CASE WHEN compliant THEN 0 ELSE 1 END,
                                       CASE WHEN compliant THEN verified_on END ASC,
                                       reported_on DESC,
                                       rectification_id) AS pick
    FROM rows_of
)
SELECT m.rule, m.union_id, m.subject_type, m.subject_id, m.contact_id, m.occurred_on,
       m.deadline, r.reported_on, r.verified_on, r.verified_by,
       CASE WHEN r.compliant AND r.verified_on <= m.deadline THEN 'on_time'
            WHEN m.deadline >= CAST($asof AS DATE) THEN 'pending'
            WHEN r.compliant THEN 'late'
            WHEN r.rectification_id IS NOT NULL THEN 'unverified'
            ELSE 'not_reported' END AS status
FROM m
LEFT JOIN ranked r
  ON r.rule = m.rule AND r.subject_id = m.subject_id AND r.occurred_on = m.occurred_on
 AND r.pick = 1
ORDER BY m.rule, m.union_id, m.subject_id, m.occurred_on
