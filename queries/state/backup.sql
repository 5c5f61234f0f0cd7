-- A consistent copy of the state database (its WAL included) into the file ?1, made
-- before the schema is upgraded.
VACUUM INTO ?1
