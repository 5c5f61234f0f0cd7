-- The day of the archive's first visit: the trend chart draws no point for a quarter
-- that ended before it (the archive holds no visits then, which is not a rate of 0%).
SELECT min(visited_on) AS first_visit FROM visits
