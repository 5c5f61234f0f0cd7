-- 审计：联系人交通通讯补贴
-- 说明：按联系人和年度列出交通通讯补贴及联系人身份。公务员不得领取；由多个工会发放或一年超过十二个月的，属重复发放。
-- Transport and phone subsidies (交通通讯补贴) per contact and year, with the contact's
-- status. Civil servants may not receive them, and a contact paid by several unions or
-- for more than twelve months a year is paid twice.
SELECT s.contact_id,
       c.name,
       c.union_id AS contact_union,
       c.civil_servant,
       substr(s.month, 1, 4) AS year,
       count(*) AS payments,
       count(DISTINCT s.union_id) AS paying_unions,
       count(DISTINCT s.month) AS months,
       sum(s.amount) AS total
FROM subsidies s
LEFT JOIN contacts c ON c.contact_id = s.contact_id
GROUP BY s.contact_id, c.name, c.union_id, c.civil_servant, substr(s.month, 1, 4)
ORDER BY year, total DESC, s.contact_id
