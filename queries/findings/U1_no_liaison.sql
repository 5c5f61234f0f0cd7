-- U1 (major): a union of the tree (the root, or a union linked to it; table
-- union_root holds the root) at province, city or county level with no liaison
-- (contacts.role = 'liaison' of that union) serving on $pe. Runs only when the archive
-- names at least one liaison at all (accountability.md: an archive that does not
-- record liaisons sees no U1).
-- Policy 二、联系人的选定: the province, city and county unions each name contacts who
-- guide the level below (逐级选定联系人).
SELECT 'U1' AS rule,
       'major' AS severity,
       u.union_id,
       'union' AS subject_type,
       u.union_id AS subject_id,
       CAST(NULL AS VARCHAR) AS contact_id,
       CAST($pe AS DATE) AS occurred_on,
       '未选定在任的联络指导员' AS detail
FROM unions u
WHERE u.level IN ('province', 'city', 'county')
  AND u.union_id IN (SELECT c.union_id
                     FROM union_closure c
                     JOIN union_root r ON r.union_id = c.ancestor_id)
  AND EXISTS (SELECT 1 FROM contacts WHERE role = 'liaison')
  AND NOT EXISTS (SELECT 1
                  FROM contacts l
                  WHERE l.role = 'liaison'
                    AND l.union_id = u.union_id
                    AND l.appointed_on <= CAST($pe AS DATE)
                    AND (l.left_on IS NULL OR l.left_on >= CAST($pe AS DATE)))
ORDER BY u.union_id
