-- The metrics table: one row per union, ordered by union_id, with every column of
-- metrics.md in order, joining the per-subtree figures of the other files here
-- (registered as metric_<file>). Rates are fractions, NULL when the denominator is 0;
-- counts and money are 0 when no row counts.
-- The six columns of accountability.md come last; they are NULL when the archive holds
-- no rectification (no referral) at all, so an archive that does not record them reads
-- as before.
-- Supervision: periodic assessment of assistance performance (考核评估).
SELECT u.union_id,
       u.name,
       u.level,
       CAST($period AS VARCHAR) AS period,
       coalesce(v.due, 0) AS due,
       coalesce(v.visited, 0) AS visited,
       CASE WHEN coalesce(v.due, 0) = 0 THEN NULL
            ELSE CAST(coalesce(v.visited, 0) AS DOUBLE) / CAST(v.due AS DOUBLE) END
           AS visit_compliance,
       coalesce(x.base, 0) AS base,
       coalesce(x.exits, 0) AS exits,
       coalesce(x.exits_compliant, 0) AS exits_compliant,
       CASE WHEN coalesce(x.base, 0) = 0 THEN NULL
            ELSE CAST(coalesce(x.exits, 0) AS DOUBLE) / CAST(x.base AS DOUBLE) END
           AS exit_rate,
       CASE WHEN coalesce(x.exits, 0) = 0 THEN NULL
            ELSE CAST(coalesce(x.exits_compliant, 0) AS DOUBLE) / CAST(x.exits AS DOUBLE) END
           AS exit_procedure_rate,
       x.median_days_to_exit,
       coalesce(f.payments, 0) AS payments,
       coalesce(f.funds_paid, CAST(0 AS DECIMAL(28, 2))) AS funds_paid,
       coalesce(f.funds_on_target, CAST(0 AS DECIMAL(28, 2))) AS funds_on_target,
       CASE WHEN coalesce(f.funds_paid, 0) = 0 THEN NULL
            ELSE CAST(coalesce(f.funds_on_target, 0) AS DOUBLE) / CAST(f.funds_paid AS DOUBLE) END
           AS on_target_share,
       coalesce(f.funds_flagged, CAST(0 AS DECIMAL(28, 2))) AS funds_flagged,
       coalesce(b.budget, CAST(0 AS DECIMAL(28, 2))) AS budget,
       CASE WHEN coalesce(b.budget, 0) = 0 THEN NULL
            ELSE CAST(coalesce(f.funds_ytd, 0) AS DOUBLE) / CAST(b.budget AS DOUBLE) END
           AS budget_execution,
       coalesce(s.subsidies_paid, CAST(0 AS DECIMAL(28, 2))) AS subsidies_paid,
       coalesce(r.findings_major, 0) AS findings_major,
       coalesce(r.findings_minor, 0) AS findings_minor,
       CASE WHEN k.has_rows THEN coalesce(t.rectifications_due, 0) END AS rectifications_due,
       CASE WHEN k.has_rows THEN coalesce(t.rectified_on_time, 0) END AS rectified_on_time,
       CASE WHEN k.has_rows AND coalesce(t.rectifications_due, 0) > 0
            THEN CAST(t.rectified_on_time AS DOUBLE) / CAST(t.rectifications_due AS DOUBLE) END
           AS rectification_rate,
       CASE WHEN j.has_rows THEN coalesce(q.referrals, 0) END AS referrals,
       CASE WHEN j.has_rows THEN coalesce(q.referrals_closed_90, 0) END AS referrals_closed_90,
       CASE WHEN j.has_rows AND coalesce(q.referrals, 0) > 0
            THEN CAST(q.referrals_closed_90 AS DOUBLE) / CAST(q.referrals AS DOUBLE) END
           AS referral_closure_rate
FROM unions u
CROSS JOIN (SELECT count(*) > 0 AS has_rows FROM rectifications) k
CROSS JOIN (SELECT count(*) > 0 AS has_rows FROM referrals) j
LEFT JOIN metric_visit_compliance v ON v.union_id = u.union_id
LEFT JOIN metric_exit_rate x ON x.union_id = u.union_id
LEFT JOIN metric_fund_usage f ON f.union_id = u.union_id
LEFT JOIN metric_budget b ON b.union_id = u.union_id
LEFT JOIN metric_subsidies_paid s ON s.union_id = u.union_id
LEFT JOIN metric_review_findings r ON r.union_id = u.union_id
LEFT JOIN metric_rectification t ON t.union_id = u.union_id
LEFT JOIN metric_referral q ON q.union_id = u.union_id
ORDER BY u.union_id
