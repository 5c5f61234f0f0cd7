-- Schema version 6: a held draft (送审稿) keeps the data of its document, so that its
-- approval renders the numbered final from it (no archive needed): JSON with the
-- template, its data, the PDF identifier and the number's prefix, year and key. NULL
-- for a message whose attachment is final.
ALTER TABLE messages ADD COLUMN document TEXT;
