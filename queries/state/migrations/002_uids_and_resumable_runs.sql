-- Schema version 2: who acted, by OS account as well as by name; slots of the run ledger
-- that a killed scheduler left unfinished are run again.

-- The OS user id of the account that queued a message and of the one that approved it
-- (NULL for the rows of version 1, which recorded names only).
ALTER TABLE messages ADD COLUMN created_uid INTEGER;
ALTER TABLE messages ADD COLUMN approved_uid INTEGER;

-- How many times a slot was started: a slot interrupted again and again is given up.
ALTER TABLE runs ADD COLUMN attempts INTEGER NOT NULL DEFAULT 1;

-- Version 1 closed a slot interrupted by a kill as failed, and never ran it again: such
-- a slot is claimed again, so that the next start runs it (within the grace window).
UPDATE runs
SET state = 'claimed', finished_at = NULL, detail = NULL
WHERE state = 'failed' AND detail = 'interrupted: the scheduler stopped while this slot ran';
