-- Claims a slot of a job before it runs; nothing is inserted when it is already in the ledger.
INSERT INTO runs (job, slot, state, claimed_at) VALUES (?1, ?2, ?3, ?4)
ON CONFLICT (job, slot) DO NOTHING
