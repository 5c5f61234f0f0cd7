-- Schema version 3: a message's attachment is a file of the state folder,
-- attachments/<attachment_sha256>, written when it is queued and checked against that
-- SHA-256 before it is sent. The bytes are no longer kept in the database.
ALTER TABLE messages DROP COLUMN attachment;
