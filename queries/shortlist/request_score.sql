-- request_score per contact for the year $ps .. $pe: the requests raised in the year
-- by known households the contact was assigned to on raised_on, and how many of them
-- were resolved within 7 days (resolved_on - raised_on <= 7, even when resolved after
-- the year). request_score = requests_in_time / requests, 1 when there are none.
-- Registered as `shortlist_request_score`.
-- Duty 4 (Solve immediate difficulties): respond to urgent requests (临时困难诉求).
-- Counted per (contact, request) first: two count(DISTINCT request_id) per contact kept
-- two sets of requests per contact and took 1.4 GB at 1M households (issue 16). A
-- request counts as in time for a contact when one of its rows is (as the DISTINCT did).
WITH held AS (
    SELECT a.contact_key,
           r.request_id,
           bool_or(r.resolved_on IS NOT NULL
                   AND r.resolved_on - r.raised_on <= 7) AS in_time
    FROM requests r
    JOIN households h ON h.household_key = r.household_key
    JOIN assignment_span a
      ON a.household_key = r.household_key
     AND a.from_date <= r.raised_on
     AND (a.to_date IS NULL OR a.to_date >= r.raised_on)
    WHERE r.raised_on BETWEEN CAST($ps AS DATE) AND CAST($pe AS DATE)
    GROUP BY a.contact_key, r.request_id
)
SELECT contact_key,
       count(*) AS requests,
       count(CASE WHEN in_time THEN 1 END) AS requests_in_time
FROM held
GROUP BY contact_key
