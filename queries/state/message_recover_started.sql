-- Left in `sending` by a sender that stopped while the message text may have reached
-- the server: it may have been delivered, so a person decides (`tiexin outbox retry`).
UPDATE messages
SET state = 'ambiguous', phase = NULL, updated_at = ?1,
    last_reply = 'interrupted while the message was being transmitted; it may have been delivered'
WHERE state = 'sending'
