-- 督查通报: the quarter's major findings (table circular_findings = the findings of the
-- quarter, from queries/findings/*.sql), one row each, with what a circular prints:
-- the union's name, the head of the household the finding concerns (the subject itself,
-- or the household of the visit, exit, payment, request, cross-check or referral;
-- masked by the engine to 张*明 before it is printed), the responsible contact's name
-- and, for money findings, the amount (payment or subsidy) in yuan. Record ids are
-- kept for the 整改台账 workbook; the PDF prints none.
-- Duty: 四（四）加强督查问效 — 完善纠错问责制度 … 给予通报批评.
WITH subject_household AS (
    SELECT 'visit' AS subject_type, visit_id AS subject_id, household_id FROM visits
    UNION ALL SELECT 'exit', exit_id, household_id FROM exits
    UNION ALL SELECT 'payment', payment_id, household_id FROM disbursements
    UNION ALL SELECT 'request', request_id, household_id FROM requests
    UNION ALL SELECT 'crosscheck', check_id, household_id FROM crosschecks
    UNION ALL SELECT 'referral', referral_id, household_id FROM referrals
    UNION ALL SELECT 'household', household_id, household_id AS household FROM households
),
subject_amount AS (
    SELECT 'payment' AS subject_type, payment_id AS subject_id, amount FROM disbursements
    UNION ALL SELECT 'subsidy', subsidy_id, amount FROM subsidies
)
SELECT f.union_id,
       u.name AS union_name,
       f.rule,
       f.subject_type,
       f.subject_id,
       h.head_name,
       f.contact_id,
       c.name AS contact_name,
       f.occurred_on,
       f.detail,
       CAST(a.amount AS VARCHAR) AS amount
FROM circular_findings f
LEFT JOIN unions u ON u.union_id = f.union_id
LEFT JOIN subject_household sh ON sh.subject_type = f.subject_type AND sh.subject_id = f.subject_id
LEFT JOIN households h ON h.household_id = sh.household_id
LEFT JOIN subject_amount a ON a.subject_type = f.subject_type AND a.subject_id = f.subject_id
LEFT JOIN contacts c ON c.contact_id = f.contact_id
WHERE f.severity = 'major'
ORDER BY f.union_id, f.rule, f.subject_id, f.occurred_on
