-- Crash containment of plugin calls.
--
-- files.plugin_call: the plugin functions a worker is calling on the
-- group right now ("metadata.extract NAME"), written and committed before
-- the call and cleared with its result, so a start that finds it set
-- knows the plugin crashed the process (or the process was killed) on
-- this group.
-- files.plugin_crashes: how many starts found plugin_call set; at
-- [plugins] max_crashes the group is FAILED instead of called again.

ALTER TABLE files ADD COLUMN plugin_call TEXT;
ALTER TABLE files ADD COLUMN plugin_crashes INTEGER NOT NULL DEFAULT 0;
