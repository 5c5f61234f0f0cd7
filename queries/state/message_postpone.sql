-- The server could not be reached: the message is due again later, and the attempt is
-- not counted against it (the message was never offered).
UPDATE messages
SET state = 'pending',
    attempts = MAX(attempts - 1, 0),
    next_attempt_at = ?2,
    last_reply = ?3,
    updated_at = ?4,
    phase = NULL
WHERE id = ?1 AND state = 'sending'
