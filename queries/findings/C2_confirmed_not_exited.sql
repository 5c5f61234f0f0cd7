-- C2 (major): a household found ineligible by a cross-check (outcome confirmed,
-- verified at least 30 days before $pe) that is still in the active archive on pe.
-- Duty 1 (Investigate) and Supervision: ineligible households leave the archive.
SELECT 'C2' AS rule,
       'major' AS severity,
       h.union_id,
       'household' AS subject_type,
       h.household_id AS subject_id,
       CAST(NULL AS VARCHAR) AS contact_id,
       CAST($pe AS DATE) AS occurred_on,
       '比对核实不符合条件超过30天仍在档' AS detail
FROM household_span h
WHERE h.filed_on <= CAST($pe AS DATE)
  AND (h.exit_on IS NULL OR h.exit_on > CAST($pe AS DATE))
  AND EXISTS (SELECT 1 FROM crosschecks k
              WHERE k.household_key = h.household_key
                AND k.outcome = 'confirmed'
                AND k.verified_on <= CAST($pe AS DATE) - INTERVAL '30 days')
ORDER BY h.union_id, h.household_id
