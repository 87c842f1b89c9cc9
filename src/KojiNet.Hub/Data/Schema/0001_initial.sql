-- Koji.NET schema, version 1: Koji's semantics in our own tables.
-- Written once for both engines; the migration runner expands the placeholders:
--   {id}         auto-increment integer primary key
--   {ts}         a point in time, stored as epoch seconds (double)
--   {versioned}  the event-versioning columns: a row is current while revoke_event IS NULL
-- Statements are separated by lines holding only ';'.

CREATE TABLE events (
    id {id},
    time {ts} NOT NULL
)
;
CREATE TABLE event_labels (
    event_id INTEGER NOT NULL REFERENCES events (id),
    label TEXT NOT NULL UNIQUE
)
;
CREATE TABLE users (
    id {id},
    name TEXT NOT NULL UNIQUE,
    password TEXT,
    status INTEGER NOT NULL DEFAULT 0,
    usertype INTEGER NOT NULL DEFAULT 0
)
;
CREATE TABLE user_krb_principals (
    user_id INTEGER NOT NULL REFERENCES users (id),
    krb_principal TEXT NOT NULL UNIQUE,
    PRIMARY KEY (user_id, krb_principal)
)
;
CREATE TABLE permissions (
    id {id},
    name TEXT NOT NULL UNIQUE,
    description TEXT
)
;
CREATE TABLE user_perms (
    user_id INTEGER NOT NULL REFERENCES users (id),
    perm_id INTEGER NOT NULL REFERENCES permissions (id),
    {versioned}
)
;
CREATE UNIQUE INDEX user_perms_current ON user_perms (user_id, perm_id) WHERE revoke_event IS NULL
;
CREATE TABLE user_groups (
    user_id INTEGER NOT NULL REFERENCES users (id),
    group_id INTEGER NOT NULL REFERENCES users (id),
    {versioned}
)
;
CREATE UNIQUE INDEX user_groups_current ON user_groups (user_id, group_id) WHERE revoke_event IS NULL
;
CREATE INDEX user_groups_group ON user_groups (group_id) WHERE revoke_event IS NULL
;
CREATE TABLE sessions (
    id {id},
    user_id INTEGER NOT NULL REFERENCES users (id),
    expired BOOLEAN NOT NULL DEFAULT FALSE,
    master INTEGER REFERENCES sessions (id),
    key TEXT NOT NULL,
    authtype INTEGER NOT NULL,
    hostip TEXT NOT NULL,
    callnum INTEGER,
    start_time {ts} NOT NULL,
    update_time {ts} NOT NULL,
    renew_time {ts},
    exclusive BOOLEAN CHECK (exclusive),
    closed BOOLEAN NOT NULL DEFAULT FALSE,
    CONSTRAINT no_exclusive_subsessions CHECK (master IS NULL OR exclusive IS NULL),
    CONSTRAINT no_closed_exclusive CHECK (closed = FALSE OR exclusive IS NULL)
)
;
CREATE UNIQUE INDEX sessions_one_exclusive ON sessions (user_id) WHERE exclusive IS NOT NULL
;
CREATE INDEX sessions_master ON sessions (master)
;
CREATE INDEX sessions_user_open ON sessions (user_id) WHERE expired = FALSE AND closed = FALSE
;

-- Hosts, channels, tasks
CREATE TABLE channels (
    id {id},
    name TEXT NOT NULL UNIQUE,
    description TEXT,
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    comment TEXT
)
;
CREATE TABLE host (
    id {id},
    user_id INTEGER NOT NULL UNIQUE REFERENCES users (id),
    name TEXT NOT NULL UNIQUE,
    update_time {ts},
    task_load DOUBLE PRECISION NOT NULL DEFAULT 0.0 CHECK (task_load >= 0),
    ready BOOLEAN NOT NULL DEFAULT FALSE,
    data TEXT
)
;
CREATE TABLE host_config (
    host_id INTEGER NOT NULL REFERENCES host (id),
    arches TEXT,
    capacity DOUBLE PRECISION NOT NULL DEFAULT 2.0 CHECK (capacity > 1),
    description TEXT,
    comment TEXT,
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    {versioned}
)
;
CREATE UNIQUE INDEX host_config_current ON host_config (host_id) WHERE revoke_event IS NULL
;
CREATE TABLE host_channels (
    host_id INTEGER NOT NULL REFERENCES host (id),
    channel_id INTEGER NOT NULL REFERENCES channels (id),
    {versioned}
)
;
CREATE UNIQUE INDEX host_channels_current ON host_channels (host_id, channel_id) WHERE revoke_event IS NULL
;
CREATE TABLE task (
    id {id},
    state INTEGER NOT NULL,
    create_time {ts} NOT NULL,
    start_time {ts},
    completion_time {ts},
    channel_id INTEGER NOT NULL REFERENCES channels (id),
    host_id INTEGER REFERENCES host (id),
    parent INTEGER REFERENCES task (id),
    label TEXT,
    waiting BOOLEAN,
    awaited BOOLEAN,
    owner INTEGER NOT NULL REFERENCES users (id),
    method TEXT NOT NULL,
    request TEXT NOT NULL,
    result TEXT,
    eta INTEGER,
    arch TEXT NOT NULL,
    priority INTEGER NOT NULL,
    weight DOUBLE PRECISION NOT NULL DEFAULT 1.0 CHECK (weight >= 0),
    CONSTRAINT parent_label_sane CHECK (parent IS NOT NULL OR label IS NULL),
    UNIQUE (parent, label)
)
;
CREATE INDEX task_state ON task (state)
;
CREATE INDEX task_host ON task (host_id)
;
CREATE INDEX task_parent ON task (parent)
;
CREATE TABLE locks (
    name TEXT PRIMARY KEY
)
;

-- Packages, builds
CREATE TABLE package (
    id {id},
    name TEXT NOT NULL UNIQUE
)
;
CREATE TABLE volume (
    id {id},
    name TEXT NOT NULL UNIQUE
)
;
CREATE TABLE content_generator (
    id {id},
    name TEXT NOT NULL UNIQUE
)
;
CREATE TABLE btype (
    id {id},
    name TEXT NOT NULL UNIQUE
)
;
CREATE TABLE build (
    id {id},
    volume_id INTEGER NOT NULL REFERENCES volume (id),
    pkg_id INTEGER NOT NULL REFERENCES package (id),
    version TEXT NOT NULL,
    release TEXT NOT NULL,
    epoch INTEGER,
    draft BOOLEAN NOT NULL DEFAULT FALSE,
    source TEXT,
    create_event INTEGER NOT NULL REFERENCES events (id),
    start_time {ts},
    completion_time {ts},
    promotion_time {ts},
    state INTEGER NOT NULL,
    task_id INTEGER REFERENCES task (id),
    owner INTEGER NOT NULL REFERENCES users (id),
    promoter INTEGER REFERENCES users (id),
    cg_id INTEGER REFERENCES content_generator (id),
    extra TEXT,
    CONSTRAINT completion_sane CHECK ((state = 0 AND completion_time IS NULL) OR (state <> 0 AND completion_time IS NOT NULL))
)
;
CREATE UNIQUE INDEX build_nvr ON build (pkg_id, version, release) WHERE draft = FALSE
;
CREATE INDEX build_completion ON build (completion_time)
;
CREATE TABLE build_types (
    build_id INTEGER NOT NULL REFERENCES build (id),
    btype_id INTEGER NOT NULL REFERENCES btype (id),
    PRIMARY KEY (build_id, btype_id)
)
;

-- Build environments
CREATE TABLE buildroot (
    id {id},
    br_type INTEGER NOT NULL,
    cg_id INTEGER REFERENCES content_generator (id),
    cg_version TEXT,
    container_type TEXT,
    container_arch TEXT,
    host_os TEXT,
    host_arch TEXT,
    extra TEXT
)
;

-- External repositories (id 0 is the internal placeholder)
CREATE TABLE external_repo (
    id {id},
    name TEXT NOT NULL UNIQUE
)
;
CREATE TABLE external_repo_config (
    external_repo_id INTEGER NOT NULL REFERENCES external_repo (id),
    url TEXT NOT NULL,
    {versioned}
)
;
CREATE UNIQUE INDEX external_repo_config_current ON external_repo_config (external_repo_id) WHERE revoke_event IS NULL
;
CREATE TABLE external_repo_data (
    external_repo_id INTEGER NOT NULL REFERENCES external_repo (id),
    data TEXT,
    {versioned}
)
;
CREATE UNIQUE INDEX external_repo_data_current ON external_repo_data (external_repo_id) WHERE revoke_event IS NULL
;

-- RPMs
CREATE TABLE rpminfo (
    id {id},
    build_id INTEGER REFERENCES build (id),
    buildroot_id INTEGER REFERENCES buildroot (id),
    name TEXT NOT NULL,
    version TEXT NOT NULL,
    release TEXT NOT NULL,
    epoch INTEGER,
    arch TEXT NOT NULL,
    draft BOOLEAN,
    external_repo_id INTEGER NOT NULL REFERENCES external_repo (id),
    payloadhash TEXT NOT NULL,
    size BIGINT NOT NULL,
    buildtime BIGINT NOT NULL,
    metadata_only BOOLEAN NOT NULL DEFAULT FALSE,
    extra TEXT,
    CONSTRAINT internal_or_external CHECK (
        (external_repo_id = 0 AND build_id IS NOT NULL AND draft IS NOT NULL)
        OR (external_repo_id <> 0 AND build_id IS NULL AND draft IS NULL))
)
;
CREATE UNIQUE INDEX rpminfo_nvra ON rpminfo (name, version, release, arch, external_repo_id) WHERE draft IS NOT TRUE
;
CREATE INDEX rpminfo_build ON rpminfo (build_id)
;
CREATE TABLE rpmsigs (
    rpm_id INTEGER NOT NULL REFERENCES rpminfo (id),
    sigkey TEXT NOT NULL,
    sighash TEXT NOT NULL,
    CONSTRAINT rpmsigs_no_resign UNIQUE (rpm_id, sigkey)
)
;
CREATE TABLE rpm_checksum (
    rpm_id INTEGER NOT NULL REFERENCES rpminfo (id),
    sigkey TEXT NOT NULL,
    checksum TEXT NOT NULL UNIQUE,
    checksum_type SMALLINT NOT NULL,
    PRIMARY KEY (rpm_id, sigkey, checksum_type)
)
;

-- Tags
CREATE TABLE tag (
    id {id},
    name TEXT NOT NULL UNIQUE
)
;
CREATE TABLE tag_config (
    tag_id INTEGER NOT NULL REFERENCES tag (id),
    arches TEXT,
    perm_id INTEGER REFERENCES permissions (id),
    locked BOOLEAN NOT NULL DEFAULT FALSE,
    maven_support BOOLEAN NOT NULL DEFAULT FALSE,
    maven_include_all BOOLEAN NOT NULL DEFAULT FALSE,
    {versioned}
)
;
CREATE UNIQUE INDEX tag_config_current ON tag_config (tag_id) WHERE revoke_event IS NULL
;
CREATE TABLE tag_extra (
    tag_id INTEGER NOT NULL REFERENCES tag (id),
    key TEXT NOT NULL,
    value TEXT,
    {versioned}
)
;
CREATE UNIQUE INDEX tag_extra_current ON tag_extra (tag_id, key) WHERE revoke_event IS NULL
;
CREATE TABLE tag_inheritance (
    tag_id INTEGER NOT NULL REFERENCES tag (id),
    parent_id INTEGER NOT NULL REFERENCES tag (id),
    priority INTEGER NOT NULL,
    maxdepth INTEGER,
    intransitive BOOLEAN NOT NULL DEFAULT FALSE,
    noconfig BOOLEAN NOT NULL DEFAULT FALSE,
    pkg_filter TEXT,
    {versioned}
)
;
CREATE UNIQUE INDEX tag_inheritance_priority ON tag_inheritance (tag_id, priority) WHERE revoke_event IS NULL
;
CREATE UNIQUE INDEX tag_inheritance_parent ON tag_inheritance (tag_id, parent_id) WHERE revoke_event IS NULL
;
CREATE INDEX tag_inheritance_by_parent ON tag_inheritance (parent_id)
;
CREATE TABLE tag_updates (
    id {id},
    tag_id INTEGER NOT NULL REFERENCES tag (id),
    update_event INTEGER NOT NULL REFERENCES events (id),
    updater_id INTEGER NOT NULL REFERENCES users (id),
    update_type INTEGER NOT NULL
)
;
CREATE INDEX tag_updates_tag ON tag_updates (tag_id, update_event)
;
CREATE TABLE tag_listing (
    build_id INTEGER NOT NULL REFERENCES build (id),
    tag_id INTEGER NOT NULL REFERENCES tag (id),
    {versioned}
)
;
CREATE UNIQUE INDEX tag_listing_current ON tag_listing (build_id, tag_id) WHERE revoke_event IS NULL
;
-- Latest-build queries walk a tag's listing newest first.
CREATE INDEX tag_listing_tag_event ON tag_listing (tag_id, create_event)
;
CREATE INDEX tag_listing_build ON tag_listing (build_id)
;
CREATE TABLE tag_packages (
    package_id INTEGER NOT NULL REFERENCES package (id),
    tag_id INTEGER NOT NULL REFERENCES tag (id),
    blocked BOOLEAN NOT NULL DEFAULT FALSE,
    extra_arches TEXT,
    {versioned}
)
;
CREATE UNIQUE INDEX tag_packages_current ON tag_packages (package_id, tag_id) WHERE revoke_event IS NULL
;
CREATE INDEX tag_packages_tag ON tag_packages (tag_id, create_event)
;
CREATE TABLE tag_package_owners (
    package_id INTEGER NOT NULL REFERENCES package (id),
    tag_id INTEGER NOT NULL REFERENCES tag (id),
    owner INTEGER NOT NULL REFERENCES users (id),
    {versioned}
)
;
CREATE UNIQUE INDEX tag_package_owners_current ON tag_package_owners (package_id, tag_id) WHERE revoke_event IS NULL
;
CREATE TABLE tag_external_repos (
    tag_id INTEGER NOT NULL REFERENCES tag (id),
    external_repo_id INTEGER NOT NULL REFERENCES external_repo (id),
    priority INTEGER NOT NULL,
    merge_mode TEXT NOT NULL DEFAULT 'koji',
    arches TEXT,
    {versioned}
)
;
CREATE UNIQUE INDEX tag_external_repos_priority ON tag_external_repos (tag_id, priority) WHERE revoke_event IS NULL
;
CREATE UNIQUE INDEX tag_external_repos_repo ON tag_external_repos (tag_id, external_repo_id) WHERE revoke_event IS NULL
;

-- Build targets
CREATE TABLE build_target (
    id {id},
    name TEXT NOT NULL UNIQUE
)
;
CREATE TABLE build_target_config (
    build_target_id INTEGER NOT NULL REFERENCES build_target (id),
    build_tag INTEGER NOT NULL REFERENCES tag (id),
    dest_tag INTEGER NOT NULL REFERENCES tag (id),
    {versioned}
)
;
CREATE UNIQUE INDEX build_target_config_current ON build_target_config (build_target_id) WHERE revoke_event IS NULL
;

-- Build groups (comps)
CREATE TABLE groups (
    id {id},
    name TEXT NOT NULL UNIQUE
)
;
CREATE TABLE group_config (
    group_id INTEGER NOT NULL REFERENCES groups (id),
    tag_id INTEGER NOT NULL REFERENCES tag (id),
    blocked BOOLEAN NOT NULL DEFAULT FALSE,
    exported BOOLEAN DEFAULT TRUE,
    display_name TEXT NOT NULL,
    is_default BOOLEAN,
    uservisible BOOLEAN,
    description TEXT,
    langonly TEXT,
    biarchonly BOOLEAN,
    {versioned}
)
;
CREATE UNIQUE INDEX group_config_current ON group_config (group_id, tag_id) WHERE revoke_event IS NULL
;
CREATE TABLE group_req_listing (
    group_id INTEGER NOT NULL REFERENCES groups (id),
    tag_id INTEGER NOT NULL REFERENCES tag (id),
    req_id INTEGER NOT NULL REFERENCES groups (id),
    blocked BOOLEAN NOT NULL DEFAULT FALSE,
    type TEXT,
    is_metapkg BOOLEAN NOT NULL DEFAULT FALSE,
    {versioned}
)
;
CREATE UNIQUE INDEX group_req_listing_current ON group_req_listing (group_id, tag_id, req_id) WHERE revoke_event IS NULL
;
CREATE TABLE group_package_listing (
    group_id INTEGER NOT NULL REFERENCES groups (id),
    tag_id INTEGER NOT NULL REFERENCES tag (id),
    package TEXT NOT NULL,
    blocked BOOLEAN NOT NULL DEFAULT FALSE,
    type TEXT NOT NULL,
    basearchonly BOOLEAN,
    requires TEXT,
    {versioned}
)
;
CREATE UNIQUE INDEX group_package_listing_current ON group_package_listing (group_id, tag_id, package) WHERE revoke_event IS NULL
;

-- Content generator users
CREATE TABLE cg_users (
    cg_id INTEGER NOT NULL REFERENCES content_generator (id),
    user_id INTEGER NOT NULL REFERENCES users (id),
    {versioned}
)
;
CREATE UNIQUE INDEX cg_users_current ON cg_users (cg_id, user_id) WHERE revoke_event IS NULL
;

-- Seed data, as upstream's schema seeds it.
INSERT INTO permissions (name, description) VALUES
    ('admin', 'Everything: passes every permission check.'),
    ('appliance', 'Appliance image builds (deprecated).'),
    ('dist-repo', 'Dist repo creation.'),
    ('host', 'Host and channel management.'),
    ('image', 'Image build tasks.'),
    ('image-import', 'Image archive imports.'),
    ('livecd', 'Live CD tasks.'),
    ('maven-import', 'Maven archive imports.'),
    ('repo', 'Repo management (the repo service uses it).'),
    ('sign', 'Signature imports and signed copies.'),
    ('tag', 'Tags, inheritance, package lists and tagging.'),
    ('target', 'Build target management.'),
    ('win-admin', 'Windows builds under the default vm policy.'),
    ('win-import', 'Windows archive imports.'),
    ('draft-promoter', 'Draft build promotion under the default policy.')
;
INSERT INTO channels (name) VALUES
    ('default'), ('createrepo'), ('maven'), ('livecd'), ('appliance'), ('vm'), ('image'), ('livemedia')
;
INSERT INTO btype (name) VALUES ('rpm'), ('maven'), ('win'), ('image')
;
INSERT INTO volume (id, name) VALUES (0, 'DEFAULT')
;
INSERT INTO external_repo (id, name) VALUES (0, 'INTERNAL')
;
INSERT INTO locks (name) VALUES ('protonmsg-plugin'), ('scheduler'), ('repo-queue')
