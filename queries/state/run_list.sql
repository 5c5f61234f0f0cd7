SELECT job, slot, state, claimed_at, finished_at, detail FROM runs
WHERE ?1 IS NULL OR job = ?1
ORDER BY job, slot
