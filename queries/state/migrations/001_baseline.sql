-- Schema version 1: the state database of tiexin 0.1.0 (outbox and run ledger), which
-- had no version. A database of that release already has these tables; a new one gets
-- them here. (The journal mode, WAL, is set each time the database is opened.)

-- One row per email. `idem_key` (job, period or slot, union, recipient) makes enqueueing
-- idempotent; `message_id` is derived from it. `phase` is 'body' once the message text
-- may have been handed to the server (set before the DATA content is written).
CREATE TABLE IF NOT EXISTS messages (
    id                INTEGER PRIMARY KEY,
    idem_key          TEXT NOT NULL UNIQUE,
    message_id        TEXT NOT NULL UNIQUE,
    kind              TEXT NOT NULL CHECK (kind IN ('circular', 'criticism', 'bulletin', 'shortlist')),
    subject           TEXT NOT NULL,
    body              TEXT NOT NULL,
    to_addrs          TEXT NOT NULL,
    cc_addrs          TEXT NOT NULL,
    attachment_name   TEXT,
    attachment        BLOB,
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
    approved_by       TEXT
);

CREATE INDEX IF NOT EXISTS messages_due ON messages (state, next_attempt_at);

-- The scheduler's run ledger: one row per (job, slot), inserted before the slot runs.
CREATE TABLE IF NOT EXISTS runs (
    job         TEXT NOT NULL,
    slot        TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('claimed', 'done', 'failed', 'missed')),
    claimed_at  TEXT NOT NULL,
    finished_at TEXT,
    detail      TEXT,
    PRIMARY KEY (job, slot)
);
