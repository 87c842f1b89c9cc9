-- The scheduler reads the active runs on every pass (a few rows among every assignment ever
-- made), and scheduler.getLogMessages is mostly asked about one task.

CREATE INDEX scheduler_task_runs_active ON scheduler_task_runs (task_id) WHERE active = TRUE
;
CREATE INDEX scheduler_log_messages_task ON scheduler_log_messages (task_id)
;
