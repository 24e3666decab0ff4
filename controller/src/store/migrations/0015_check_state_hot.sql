-- Every result rewrites its check's row of check_state. With room left on each page, PostgreSQL
-- writes the new row version beside the old one (a HOT update): no new primary-key entry, and
-- the page is pruned as it goes, so the table and its index stay the size of the fleet. Applies to
-- pages written from now on.
ALTER TABLE check_state SET (fillfactor = 70);
