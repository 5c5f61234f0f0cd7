-- The document data kept with a held draft (NULL when there is none).
SELECT document FROM messages WHERE id = ?1
