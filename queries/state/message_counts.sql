SELECT state, COUNT(*) FROM messages GROUP BY state ORDER BY state
