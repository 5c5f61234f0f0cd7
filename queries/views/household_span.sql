-- Every household with its union, filing date and exit date x(h) (NULL while it is in
-- the active archive 在档). A household is active on day d when
-- filed_on <= d AND (exit_on IS NULL OR exit_on > d).
SELECT h.household_id,
       h.household_key,
       h.union_id,
       h.filed_on,
       h.filing_approved_by,
       x.exit_on,
       coalesce(x.exit_compliant, false) AS exit_compliant
FROM households h
LEFT JOIN household_exit x ON x.household_key = h.household_key
