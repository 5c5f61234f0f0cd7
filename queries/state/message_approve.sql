-- A second person approves a held message: their name and OS user id.
UPDATE messages
SET state = 'pending', approved_by = ?2, approved_uid = ?3, next_attempt_at = ?4, updated_at = ?4
WHERE id = ?1 AND state = 'held'
