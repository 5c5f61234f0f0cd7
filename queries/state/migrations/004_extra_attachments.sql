-- Schema version 4: a message may carry files beside its attachment (the workbook of a
-- scheduled bulletin's or circular's figures). A JSON array of [name, sha256] pairs,
-- each a file of the state folder (attachments/<sha256>) checked before sending; NULL
-- when there are none.
ALTER TABLE messages ADD COLUMN extra_attachments TEXT;
