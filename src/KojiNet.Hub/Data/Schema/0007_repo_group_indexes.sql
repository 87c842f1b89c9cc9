-- Reads of repos, repo requests and build groups (spec/kojira.md §3, §5; api-core.md §10).
-- Group entries and tag change detection are read by tag; the queue check and repo lookups by task.

CREATE INDEX group_config_tag ON group_config (tag_id, create_event)
;
CREATE INDEX group_package_listing_tag ON group_package_listing (tag_id, create_event)
;
CREATE INDEX group_req_listing_tag ON group_req_listing (tag_id, create_event)
;
CREATE INDEX repo_task ON repo (task_id)
;
CREATE INDEX repo_queue_task ON repo_queue (task_id)
;
