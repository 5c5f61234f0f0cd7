-- The visits of the quarter $ps .. $pe (valid or not) to known households, each with its
-- household's union, filing date and exit date x(h) (household_span). Registered as
-- `quarter_visits` before the rules of the quarter run: V3, V4 and V5 read it, so the
-- quarter's 0.6M visits are picked out of the archive's 11M and matched to their
-- households once a quarter, not once a rule (each rule doing both took 0.08-0.13 s at
-- 1M households; on this table, 0.01-0.04 s).
SELECT v.visit_id,
       v.household_key,
       v.contact_key,
       v.contact_id,
       v.visited_on,
       h.union_id,
       h.filed_on,
       h.exit_on
FROM visits v
JOIN household_span h ON h.household_key = v.household_key
WHERE v.visited_on BETWEEN CAST($ps AS DATE) AND CAST($pe AS DATE)
