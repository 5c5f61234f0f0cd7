-- The one-to-one pairing (一对一对应安排) as intervals: assignments of known households
-- to known contacts (an assignment of an unknown contact assigns no one). The contact
-- of h on day d is any row with from_date <= d <= coalesce(to_date, +infinity).
SELECT a.household_id,
       a.household_key,
       a.contact_id,
       a.contact_key,
       a.from_date,
       a.to_date,
       c.left_on,
       c.union_id AS contact_union_id
FROM assignments a
JOIN households h ON h.household_key = a.household_key
JOIN contacts c ON c.contact_key = a.contact_key
