-- 各单位情况排名: the unions directly below $union with their metrics of the period
-- (table bulletin_metrics = the output of queries/metrics/metrics.sql), best first:
-- visit compliance descending, then fewer major findings, then on-target share of
-- funds, then exit procedure rate (a rate that is undefined, "—", ranks after every
-- defined one), then union_id. `position` is the rank (1 = best). The rectification
-- columns (NULL when the archive records no correction) feed 整改落实情况.
SELECT CAST(row_number() OVER (ORDER BY m.visit_compliance DESC NULLS LAST,
                                   m.findings_major ASC,
                                   m.on_target_share DESC NULLS LAST,
                                   m.exit_procedure_rate DESC NULLS LAST,
                                   m.union_id ASC) AS BIGINT) AS position,
       m.union_id, m.name, m.visit_compliance, m.exit_rate, m.exit_procedure_rate,
       m.on_target_share, m.budget_execution, m.findings_major, m.findings_minor,
       m.rectifications_due, m.rectified_on_time, m.rectification_rate
FROM union_closure c
JOIN bulletin_metrics m ON m.union_id = c.union_id
WHERE c.ancestor_id = $union AND c.depth = 1
ORDER BY position
