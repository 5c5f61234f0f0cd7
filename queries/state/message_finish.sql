-- The outcome of one attempt: sent, pending again (with its next attempt), failed or ambiguous.
UPDATE messages
SET state = ?2,
    next_attempt_at = COALESCE(?3, next_attempt_at),
    last_reply = ?4,
    updated_at = ?5,
    sent_at = CASE WHEN ?2 = 'sent' THEN ?5 ELSE sent_at END,
    phase = NULL
WHERE id = ?1 AND state = 'sending'
