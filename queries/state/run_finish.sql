UPDATE runs SET state = ?3, finished_at = ?4, detail = ?5 WHERE job = ?1 AND slot = ?2
