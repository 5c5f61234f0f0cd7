-- S1 (minor): a need referred up (需求转介) at least 15 days before $pe that the county
-- union has neither passed to the department nor closed by pe, and is not yet S2.
-- Contact: the contact who raised it. Occurred 15 days after it was referred. A referral
-- of an unknown household is ignored.
-- Duty 3 (Link needs): needs eligible for civil-affairs or HR help are reported up to
-- the county union, which links them to the departments (逐级上报、链接民政人社).
SELECT 'S1' AS rule,
       'minor' AS severity,
       h.union_id,
       'referral' AS subject_type,
       r.referral_id AS subject_id,
       r.contact_id,
       CAST(r.referred_on + INTERVAL '15 days' AS DATE) AS occurred_on,
       '需求转介超过15天未转交相关部门' AS detail
FROM referrals r
JOIN households h ON h.household_key = r.household_key
WHERE r.referred_on <= CAST($pe AS DATE) - INTERVAL '15 days'
  AND (r.forwarded_on IS NULL OR r.forwarded_on > CAST($pe AS DATE))
  AND (r.closed_on IS NULL OR r.closed_on > CAST($pe AS DATE))
  AND NOT r.referred_on <= CAST($pe AS DATE) - INTERVAL '90 days'
ORDER BY h.union_id, r.referral_id
