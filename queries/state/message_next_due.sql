-- When the next pending message is due (NULL: none pending).
SELECT MIN(next_attempt_at) FROM messages WHERE state = 'pending'
