-- A second person approves a held message.
UPDATE messages
SET state = 'pending', approved_by = ?2, next_attempt_at = ?3, updated_at = ?3
WHERE id = ?1 AND state = 'held'
