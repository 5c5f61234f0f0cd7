SELECT id FROM messages WHERE idem_key = ?1
