-- A person sends a failed or ambiguous message again, with a fresh count of attempts.
UPDATE messages
SET state = 'pending', attempts = 0, next_attempt_at = ?2, updated_at = ?2
WHERE id = ?1 AND state IN ('failed', 'ambiguous')
