SELECT id, idem_key, message_id, kind, subject, body, to_addrs, cc_addrs,
       attachment_name, attachment_sha256, state, attempts, next_attempt_at, last_reply,
       created_at, updated_at, sent_at, created_by, approved_by, created_uid, approved_uid,
       extra_attachments
FROM messages
WHERE id = ?1
