-- R1 (minor): an urgent request (临时困难诉求) raised 7 to 29 days before $pe and still
-- unresolved on pe (from 30 days on it is R2). Contact: the lowest contact_id assigned
-- to the household on pe. Occurred 7 days after it was raised.
-- Duty 4 (Solve immediate difficulties): respond to urgent requests.
SELECT 'R1' AS rule,
       'minor' AS severity,
       h.union_id,
       'request' AS subject_type,
       r.request_id AS subject_id,
       a.contact_id,
       CAST(r.raised_on + INTERVAL '7 days' AS DATE) AS occurred_on,
       '临时困难诉求超过7天未解决' AS detail
FROM requests r
JOIN households h ON h.household_key = r.household_key
LEFT JOIN assigned_on_pe a ON a.household_key = r.household_key
WHERE r.raised_on <= CAST($pe AS DATE) - INTERVAL '7 days'
  AND r.raised_on > CAST($pe AS DATE) - INTERVAL '30 days'
  AND (r.resolved_on IS NULL OR r.resolved_on > CAST($pe AS DATE))
ORDER BY h.union_id, r.request_id
