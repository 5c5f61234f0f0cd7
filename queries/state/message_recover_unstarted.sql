-- Left in `sending` by a sender that stopped before the message text was written: it
-- cannot have reached the server, so it is due again.
UPDATE messages
SET state = 'pending', phase = NULL, updated_at = ?1, next_attempt_at = ?1,
    last_reply = 'interrupted before the message was transmitted; queued again'
WHERE state = 'sending' AND phase = 'claimed'
