-- From here on the server may receive the message: a crash leaves it ambiguous.
UPDATE messages SET phase = 'body', updated_at = ?2 WHERE id = ?1 AND state = 'sending'
