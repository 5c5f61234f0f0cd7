-- A held draft becomes its numbered final at approval: the new subject, body and
-- attachment (its SHA-256), and no document data left to issue.
UPDATE messages
SET subject = ?2, body = ?3, attachment_sha256 = ?4, document = NULL, updated_at = ?5
WHERE id = ?1 AND state = 'held'
