-- A new message; nothing happens when its idempotency key is already there. Its
-- attachment is a file of the state folder named by `attachment_sha256`.
INSERT INTO messages (idem_key, message_id, kind, subject, body, to_addrs, cc_addrs,
                      attachment_name, attachment_sha256, state,
                      next_attempt_at, created_at, updated_at, created_by, created_uid,
                      extra_attachments, document)
VALUES (:key, :message_id, :kind, :subject, :body, :to_addrs, :cc_addrs,
        :attachment_name, :attachment_sha256, :state,
        :now, :now, :now, :created_by, :created_uid, :extra_attachments, :document)
ON CONFLICT (idem_key) DO NOTHING
