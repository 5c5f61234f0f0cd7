-- K1 (major): a major finding f of the previous quarter $pps .. $ppe (table
-- previous_majors: every rule but K1, major rows only) that was not rectified on time:
-- no rectification row with f's (rule, subject_id, occurred_on), verified by a union at
-- county level or above on or before d(f) = $ppe + 60 days. The subject is the finding
-- `<rule>:<subject_id>:<occurred_on>`; its union and contact are f's; it occurred on
-- d(f), once d(f) <= $pe. Runs only when the archive records at least one rectification
-- (accountability.md: an archive that does not record corrections sees no K1).
-- Supervision: corrections are checked by a union at county level or above, and failing
-- to correct is itself criticised (纠错问责).
-- on_time: the findings' keys with a correction verified by a compliant union by d(f).
-- Kept as an anti-join (LEFT JOIN … IS NULL) and the guard as a count: written as
-- NOT EXISTS / EXISTS, K1 took 21 s at 1M households; in this form, 0.07 s.
WITH on_time AS (
    SELECT DISTINCT r.rule, r.subject_id, r.occurred_on
    FROM rectifications r
    JOIN unions a ON a.union_id = r.verified_by
    WHERE r.verified_on IS NOT NULL
      AND r.verified_on <= CAST($ppe AS DATE) + INTERVAL '60 days'
      AND a.level IN ('county', 'city', 'province')
)
SELECT 'K1' AS rule,
       'major' AS severity,
       f.union_id,
       'finding' AS subject_type,
       f.rule || ':' || f.subject_id || ':' || CAST(f.occurred_on AS VARCHAR) AS subject_id,
       f.contact_id,
       CAST(CAST($ppe AS DATE) + INTERVAL '60 days' AS DATE) AS occurred_on,
       '上季度重大问题逾期未整改' AS detail
FROM previous_majors f
LEFT JOIN on_time r
  ON r.rule = f.rule AND r.subject_id = f.subject_id AND r.occurred_on = f.occurred_on
WHERE r.rule IS NULL  -- no correction verified on time
  AND (SELECT COUNT(*) FROM rectifications) > 0
  -- the deadline has come by $pe (always, at the quarter's end; not yet, when the
  -- figures run to an earlier day)
  AND CAST($ppe AS DATE) + INTERVAL '60 days' <= CAST($pe AS DATE)
ORDER BY f.union_id, subject_id
