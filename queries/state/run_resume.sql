-- An interrupted slot is started again.
UPDATE runs SET attempts = attempts + 1, claimed_at = ?3
WHERE job = ?1 AND slot = ?2 AND state = 'claimed'
