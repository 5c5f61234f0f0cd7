-- F5 (major): a transport or phone subsidy for a month starting in quarter $ps .. $pe
-- paid to a contact who is a formal civil servant (正式在编的行政事业单位人员).
-- Guarantees (Funding): contacts may get subsidies, except formal civil servants.
SELECT 'F5' AS rule,
       'major' AS severity,
       s.union_id,
       'subsidy' AS subject_type,
       s.subsidy_id AS subject_id,
       s.contact_id,
       CAST(s.month || '-01' AS DATE) AS occurred_on,
       '向正式在编人员发放联系人交通通讯补贴' AS detail
FROM subsidies s
JOIN contacts c ON c.contact_key = s.contact_key
WHERE c.civil_servant
  -- month is a real YYYY-MM (archive.md): compared as text with the quarter's first and
  -- last months (the same months as a date made of each row, without parsing each)
  AND s.month BETWEEN to_char(CAST($ps AS DATE), '%Y-%m') AND to_char(CAST($pe AS DATE), '%Y-%m')
ORDER BY s.union_id, s.subsidy_id
