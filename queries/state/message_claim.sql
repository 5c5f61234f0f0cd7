-- Claims the next due pending message for sending: committed before the server is contacted.
UPDATE messages
SET state = 'sending', phase = 'claimed', attempts = attempts + 1, updated_at = ?1
WHERE id = (SELECT id FROM messages
            WHERE state = 'pending' AND next_attempt_at <= ?1
            ORDER BY next_attempt_at, id
            LIMIT 1)
RETURNING id, idem_key, message_id, kind, subject, body, to_addrs, cc_addrs,
          attachment_name, attachment_sha256, state, attempts, next_attempt_at, last_reply,
          created_at, updated_at, sent_at, created_by, approved_by, created_uid, approved_uid,
       extra_attachments
