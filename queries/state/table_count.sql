-- How many tables the database has (0: a new, empty file).
SELECT count(*) FROM sqlite_schema WHERE type = 'table'
