-- 审计：佐证材料上传过晚的走访
-- 说明：照片或视频在走访后超过30天才上传平台、或始终未上传的走访。迟迟上传的佐证难以采信，没有佐证的走访不是有效家访。
-- Visits whose evidence (photos, video) reached the platform more than 30 days after
-- the visit, or never: evidence uploaded long after is hard to trust, and a visit
-- without evidence is not a valid visit.
SELECT v.visit_id,
       v.household_id,
       v.contact_id,
       v.visited_on,
       v.uploaded_on,
       CAST(v.uploaded_on AS INT) - CAST(v.visited_on AS INT) AS days_late,
       v.photos,
       v.videos
FROM visits v
WHERE v.uploaded_on IS NULL
   OR v.uploaded_on > v.visited_on + INTERVAL '30 days'
ORDER BY days_late DESC NULLS FIRST, v.visit_id
