-- S2 (major): a need referred up (需求转介) at least 90 days before $pe and not closed
-- (granted or refused) by pe. Contact: the contact who raised it. Occurred 90 days
-- after it was referred. A referral of an unknown household is ignored.
-- Duty 3 (Link needs): the county union works with civil affairs and HR to settle the
-- need, and explains to the worker when it cannot be settled for now.
SELECT 'S2' AS rule,
       'major' AS severity,
       h.union_id,
       'referral' AS subject_type,
       r.referral_id AS subject_id,
       r.contact_id,
       CAST(r.referred_on + INTERVAL '90 days' AS DATE) AS occurred_on,
       '需求转介超过90天未办结' AS detail
FROM referrals r
JOIN households h ON h.household_key = r.household_key
WHERE r.referred_on <= CAST($pe AS DATE) - INTERVAL '90 days'
  AND (r.closed_on IS NULL OR r.closed_on > CAST($pe AS DATE))
ORDER BY h.union_id, r.referral_id
