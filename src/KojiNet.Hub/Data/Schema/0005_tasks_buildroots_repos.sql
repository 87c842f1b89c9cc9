-- Scheduler state, buildroots and repos (spec/model.md §3.3, §3.4, §3.6).
-- Times are epoch seconds ({ts}) like every other timestamp of our schema.

CREATE INDEX task_parent_state ON task (parent, state)
;
CREATE INDEX task_free ON task (priority, create_time) WHERE state = 0
;
CREATE TABLE scheduler_task_runs (
    id {id},
    task_id INTEGER NOT NULL REFERENCES task (id),
    host_id INTEGER NOT NULL REFERENCES host (id),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    create_time {ts} NOT NULL
)
;
CREATE INDEX scheduler_task_runs_task ON scheduler_task_runs (task_id)
;
CREATE INDEX scheduler_task_runs_host ON scheduler_task_runs (host_id)
;
CREATE TABLE scheduler_host_data (
    host_id INTEGER PRIMARY KEY REFERENCES host (id),
    data TEXT
)
;
CREATE TABLE scheduler_sys_data (
    name TEXT PRIMARY KEY,
    data TEXT
)
;
CREATE TABLE scheduler_task_refusals (
    id {id},
    task_id INTEGER NOT NULL REFERENCES task (id),
    host_id INTEGER NOT NULL REFERENCES host (id),
    by_host BOOLEAN NOT NULL,
    soft BOOLEAN NOT NULL DEFAULT FALSE,
    msg TEXT,
    time {ts} NOT NULL,
    UNIQUE (task_id, host_id)
)
;
CREATE TABLE scheduler_log_messages (
    id {id},
    task_id INTEGER REFERENCES task (id),
    host_id INTEGER REFERENCES host (id),
    msg_time {ts} NOT NULL,
    msg TEXT NOT NULL
)
;

-- Repos: the buildroot repositories of tags (filled by newRepo / the repo service).
CREATE TABLE repo (
    id {id},
    creation_time {ts} NOT NULL,
    create_event INTEGER NOT NULL REFERENCES events (id),
    state_time {ts} NOT NULL,
    begin_event INTEGER REFERENCES events (id),
    end_event INTEGER REFERENCES events (id),
    tag_id INTEGER NOT NULL REFERENCES tag (id),
    state INTEGER NOT NULL,
    dist BOOLEAN NOT NULL DEFAULT FALSE,
    opts TEXT,
    custom_opts TEXT,
    task_id INTEGER REFERENCES task (id)
)
;
CREATE INDEX repo_tag_state ON repo (tag_id, state)
;
CREATE TABLE repo_queue (
    id {id},
    create_time {ts} NOT NULL,
    owner INTEGER NOT NULL REFERENCES users (id),
    priority INTEGER NOT NULL,
    tag_id INTEGER NOT NULL REFERENCES tag (id),
    at_event INTEGER REFERENCES events (id),
    min_event INTEGER REFERENCES events (id),
    opts TEXT NOT NULL,
    update_time {ts} NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    task_id INTEGER REFERENCES task (id),
    tries INTEGER NOT NULL DEFAULT 0,
    repo_id INTEGER REFERENCES repo (id),
    CONSTRAINT only_one_event CHECK (at_event IS NULL OR min_event IS NULL),
    CONSTRAINT active_sane CHECK (NOT active OR repo_id IS NULL)
)
;
CREATE INDEX repo_queue_active ON repo_queue (tag_id) WHERE active
;

-- Koji-managed buildroots (host.newBuildRoot) and what was installed in them.
CREATE TABLE standard_buildroot (
    buildroot_id INTEGER PRIMARY KEY REFERENCES buildroot (id),
    host_id INTEGER NOT NULL REFERENCES host (id),
    repo_id INTEGER NOT NULL REFERENCES repo (id),
    task_id INTEGER NOT NULL REFERENCES task (id),
    create_event INTEGER NOT NULL REFERENCES events (id),
    retire_event INTEGER REFERENCES events (id),
    state INTEGER
)
;
CREATE INDEX standard_buildroot_task ON standard_buildroot (task_id)
;
CREATE INDEX standard_buildroot_repo ON standard_buildroot (repo_id)
;
CREATE INDEX standard_buildroot_host_state ON standard_buildroot (host_id, state)
;
CREATE TABLE buildroot_listing (
    buildroot_id INTEGER NOT NULL REFERENCES buildroot (id),
    rpm_id INTEGER NOT NULL REFERENCES rpminfo (id),
    is_update BOOLEAN NOT NULL DEFAULT FALSE,
    UNIQUE (buildroot_id, rpm_id)
)
;
CREATE INDEX buildroot_listing_rpm ON buildroot_listing (rpm_id)
;
