-- The newest slot of a job in the ledger (slots are UTC RFC 3339 text, so they sort).
SELECT MAX(slot) FROM runs WHERE job = ?1
