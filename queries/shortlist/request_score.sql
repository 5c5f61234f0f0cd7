-- request_score per contact for the year $ps .. $pe: the requests raised in the year
-- by known households the contact was assigned to on raised_on, and how many of them
-- were resolved within 7 days (resolved_on - raised_on <= 7, even when resolved after
-- the year). request_score = requests_in_time / requests, 1 when there are none.
-- Registered as `shortlist_request_score`.
-- Duty 4 (Solve immediate difficulties): respond to urgent requests (临时困难诉求).
SELECT a.contact_id,
       count(DISTINCT r.request_id) AS requests,
       count(DISTINCT CASE
                          WHEN r.resolved_on IS NOT NULL
                           AND r.resolved_on <= r.raised_on + INTERVAL '7 days'
                          THEN r.request_id
                      END) AS requests_in_time
FROM requests r
JOIN households h ON h.household_id = r.household_id
JOIN assignment_span a
  ON a.household_id = r.household_id
 AND a.from_date <= r.raised_on
 AND (a.to_date IS NULL OR a.to_date >= r.raised_on)
WHERE r.raised_on BETWEEN CAST($ps AS DATE) AND CAST($pe AS DATE)
GROUP BY a.contact_id
