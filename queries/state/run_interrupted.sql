-- Slots claimed by a scheduler that stopped while they ran: never run again.
UPDATE runs
SET state = 'failed', finished_at = ?1,
    detail = 'interrupted: the scheduler stopped while this slot ran'
WHERE state = 'claimed'
