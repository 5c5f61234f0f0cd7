-- 审计：联系人同时联系的家庭
-- 说明：同一联系人在重叠时段内对应的每两户家庭，反映每名联系人同时承担的联系户数。联系户数过多则难以每季度逐户走访，宜与其走访记录对照。
-- Pairs of households assigned to the same contact over overlapping spans: the load each
-- contact carries at once. An inspector sets it against the visits the contact made,
-- since a contact with too many households cannot visit each one every quarter.
SELECT a.contact_id,
       c.name,
       c.union_id,
       a.household_id AS household,
       b.household_id AS other_household,
       greatest(a.from_date, b.from_date) AS overlap_from,
       least(coalesce(a.to_date, DATE '9999-12-31'), coalesce(b.to_date, DATE '9999-12-31')) AS overlap_to
FROM assignments a
JOIN assignments b
  ON b.contact_id = a.contact_id
 AND b.household_id > a.household_id
 AND b.from_date <= coalesce(a.to_date, DATE '9999-12-31')
 AND a.from_date <= coalesce(b.to_date, DATE '9999-12-31')
LEFT JOIN contacts c ON c.contact_id = a.contact_id
ORDER BY a.contact_id, a.household_id, b.household_id, overlap_from
