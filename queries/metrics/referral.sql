-- 需求转介 referral, per union subtree (by the household's union): referrals = needs
-- referred up with referred_on in $ps .. $pe; referrals_closed_90 = those closed
-- (closed_on set, whenever) within 90 days of being referred. A referral of an unknown
-- household is ignored.
-- Duty 3 (Link needs): report up to the county union, linked to civil affairs and HR.
SELECT c.ancestor_id AS union_id,
       count(*) AS referrals,
       count(CASE WHEN r.closed_on IS NOT NULL
                       AND r.closed_on - r.referred_on <= 90 THEN 1 END)
           AS referrals_closed_90
FROM referrals r
JOIN households h ON h.household_key = r.household_key
JOIN union_closure c ON c.union_id = h.union_id
WHERE r.referred_on BETWEEN CAST($ps AS DATE) AND CAST($pe AS DATE)
GROUP BY c.ancestor_id
ORDER BY union_id
