-- exit_score per contact for the year $ps .. $pe: E, the households counted in
-- exits_compliant for the year (x(h) in the year, the exit row giving x(h) signed by
-- the worker and approved at county level or above) to which the contact was assigned
-- on x(h); they need not be in H(c). exit_score = min(1, E / households(c)).
-- Registered as `shortlist_exit_score`.
-- Duty 5 (Report results): help the family out of hardship, with a proper exit.
SELECT a.contact_key,
       count(DISTINCT h.household_key) AS compliant_exits
FROM household_span h
JOIN assignment_span a
  ON a.household_key = h.household_key
 AND a.from_date <= h.exit_on
 AND (a.to_date IS NULL OR a.to_date >= h.exit_on)
WHERE h.exit_compliant
  AND h.exit_on BETWEEN CAST($ps AS DATE) AND CAST($pe AS DATE)
GROUP BY a.contact_key
