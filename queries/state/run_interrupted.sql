-- Slots left `claimed`: their scheduler stopped (or failed) before they finished. Only one
-- scheduler runs on a state folder, so none of them is running now.
SELECT job, slot, attempts FROM runs WHERE state = 'claimed' ORDER BY slot, job
