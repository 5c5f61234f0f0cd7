-- A new message; nothing happens when its idempotency key is already there.
INSERT INTO messages (idem_key, message_id, kind, subject, body, to_addrs, cc_addrs,
                      attachment_name, attachment, attachment_sha256, state,
                      next_attempt_at, created_at, updated_at, created_by)
VALUES (:key, :message_id, :kind, :subject, :body, :to_addrs, :cc_addrs,
        :attachment_name, :attachment, :attachment_sha256, :state,
        :now, :now, :now, :created_by)
ON CONFLICT (idem_key) DO NOTHING
