-- x(h), the exit date of each known household: the earliest approved_on among its
-- exits (any exit, compliant or not), and whether an exit row on that date has the
-- worker's signature and a compliant approver (county, city or province).
-- Duty 5 (Report results): the worker signs, a union at county level or above approves.
SELECT e.household_key,
       e.approved_on AS exit_on,
       bool_or(coalesce(e.worker_signed AND a.level IN ('county', 'city', 'province'), false))
           AS exit_compliant
FROM exits e
JOIN households h ON h.household_key = e.household_key
JOIN (SELECT household_key, min(approved_on) AS first_on
      FROM exits
      WHERE approved_on IS NOT NULL
      GROUP BY household_key) f
  ON f.household_key = e.household_key AND f.first_on = e.approved_on
LEFT JOIN unions a ON a.union_id = e.approved_by
GROUP BY e.household_key, e.approved_on
