-- E1 (major): an exit approved in quarter $ps .. $pe whose application the worker did
-- not sign.
-- Duty 5 (Report results): the exit application is signed by the worker (职工本人签字).
SELECT 'E1' AS rule,
       'major' AS severity,
       h.union_id,
       'exit' AS subject_type,
       e.exit_id AS subject_id,
       CAST(NULL AS VARCHAR) AS contact_id,
       e.approved_on AS occurred_on,
       '解困脱困申请无职工本人签字' AS detail
FROM exits e
JOIN households h ON h.household_key = e.household_key
WHERE e.approved_on BETWEEN CAST($ps AS DATE) AND CAST($pe AS DATE)
  AND NOT e.worker_signed
ORDER BY h.union_id, e.exit_id
