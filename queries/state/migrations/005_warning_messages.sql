-- Schema version 5: a message may be an early warning (`warning`: a union's 预警 of one
-- day, from a scheduled `warnings` job). SQLite cannot change a CHECK constraint, so the
-- table is rebuilt with the same columns and rows, and its index made again.
CREATE TABLE messages_v5 (
    id                INTEGER PRIMARY KEY,
    idem_key          TEXT NOT NULL UNIQUE,
    message_id        TEXT NOT NULL UNIQUE,
    kind              TEXT NOT NULL CHECK (kind IN ('circular', 'criticism', 'bulletin', 'shortlist', 'warning')),
    subject           TEXT NOT NULL,
    body              TEXT NOT NULL,
    to_addrs          TEXT NOT NULL,
    cc_addrs          TEXT NOT NULL,
    attachment_name   TEXT,
    attachment_sha256 TEXT,
    state             TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'ambiguous', 'held')),
    phase             TEXT,
    attempts          INTEGER NOT NULL DEFAULT 0,
    next_attempt_at   TEXT NOT NULL,
    last_reply        TEXT,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    sent_at           TEXT,
    created_by        TEXT NOT NULL,
    approved_by       TEXT,
    created_uid       INTEGER,
    approved_uid      INTEGER,
    extra_attachments TEXT
);

INSERT INTO messages_v5 (
    id, idem_key, message_id, kind, subject, body, to_addrs, cc_addrs, attachment_name,
    attachment_sha256, state, phase, attempts, next_attempt_at, last_reply, created_at,
    updated_at, sent_at, created_by, approved_by, created_uid, approved_uid,
    extra_attachments)
SELECT
    id, idem_key, message_id, kind, subject, body, to_addrs, cc_addrs, attachment_name,
    attachment_sha256, state, phase, attempts, next_attempt_at, last_reply, created_at,
    updated_at, sent_at, created_by, approved_by, created_uid, approved_uid,
    extra_attachments
FROM messages;

DROP TABLE messages;
ALTER TABLE messages_v5 RENAME TO messages;
CREATE INDEX messages_due ON messages (state, next_attempt_at);
