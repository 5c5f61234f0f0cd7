-- 上期对比: the figures of the previous period a bulletin compares the period with, one
-- row per union ordered by union_id: visit_compliance, exit_rate and on_target_share as
-- queries/metrics/metrics.sql computes them from the same per-subtree files, and
-- findings_major from queries/metrics/review_findings.sql over the period's major
-- findings only (table period_findings holds no minor finding here: a bulletin does not
-- compare minor ones, so the previous period's minor rules are not run).
-- Supervision: periodic assessment of assistance performance (考核评估).
SELECT u.union_id,
       CASE WHEN coalesce(v.due, 0) = 0 THEN NULL
            ELSE CAST(coalesce(v.visited, 0) AS DOUBLE) / CAST(v.due AS DOUBLE) END
           AS visit_compliance,
       CASE WHEN coalesce(x.base, 0) = 0 THEN NULL
            ELSE CAST(coalesce(x.exits, 0) AS DOUBLE) / CAST(x.base AS DOUBLE) END
           AS exit_rate,
       CASE WHEN coalesce(f.funds_paid, 0) = 0 THEN NULL
            ELSE CAST(coalesce(f.funds_on_target, 0) AS DOUBLE) / CAST(f.funds_paid AS DOUBLE) END
           AS on_target_share,
       coalesce(r.findings_major, 0) AS findings_major
FROM unions u
LEFT JOIN metric_visit_compliance v ON v.union_id = u.union_id
LEFT JOIN metric_exit_rate x ON x.union_id = u.union_id
LEFT JOIN metric_fund_usage f ON f.union_id = u.union_id
LEFT JOIN metric_review_findings r ON r.union_id = u.union_id
ORDER BY u.union_id
