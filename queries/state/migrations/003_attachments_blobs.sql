-- Before schema version 3: the attachments still held in the database, to be written
-- to the state folder's attachments/ before the column is dropped.
SELECT id, attachment_sha256, attachment FROM messages WHERE attachment IS NOT NULL ORDER BY id
