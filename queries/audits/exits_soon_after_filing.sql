-- 审计：建档后短期内解困脱困
-- 说明：建档后180天以内申请解困脱困的家庭。困难这么快结束，可能是本不需要建档，也可能是为提高脱困率而推动脱困，应对照两份档案核查。
-- Exits (解困脱困) applied for within 180 days of the household's filing. Hardship that
-- ends so quickly may mean the filing was not needed, or the exit was pushed to lift the
-- exit rate; the inspector reads both files side by side.
SELECT e.exit_id,
       e.household_id,
       h.union_id,
       h.cause,
       h.filed_on,
       e.applied_on,
       CAST(e.applied_on AS INT) - CAST(h.filed_on AS INT) AS days_after_filing,
       e.approved_by,
       e.approved_on
FROM exits e
JOIN households h ON h.household_id = e.household_id
WHERE e.applied_on <= h.filed_on + INTERVAL '180 days'
ORDER BY days_after_filing, e.exit_id
