-- Header data of imported RPMs, kept so repo generation and the RPM queries never re-read the
-- package files: the main header (base64, as in the file), its byte range, the file's size and
-- SHA-256, and the files, dependencies and changelog in header order.
CREATE TABLE rpm_header_data (
    rpm_id INTEGER PRIMARY KEY REFERENCES rpminfo (id),
    header_start BIGINT NOT NULL,
    header_end BIGINT NOT NULL,
    file_size BIGINT NOT NULL,
    file_sha256 TEXT NOT NULL,
    sourcerpm TEXT,
    summary TEXT,
    description TEXT,
    license TEXT,
    url TEXT,
    vendor TEXT,
    packager TEXT,
    rpm_group TEXT,
    buildhost TEXT,
    installed_size BIGINT,
    archive_size BIGINT,
    file_digest_algo INTEGER NOT NULL,
    header TEXT NOT NULL
)
;
CREATE TABLE rpm_files (
    rpm_id INTEGER NOT NULL REFERENCES rpminfo (id),
    idx INTEGER NOT NULL,
    name TEXT NOT NULL,
    digest TEXT NOT NULL,
    size BIGINT NOT NULL,
    flags INTEGER NOT NULL,
    username TEXT NOT NULL,
    groupname TEXT NOT NULL,
    mtime BIGINT NOT NULL,
    mode INTEGER NOT NULL,
    linkto TEXT NOT NULL,
    PRIMARY KEY (rpm_id, idx)
)
;
CREATE INDEX rpm_files_name ON rpm_files (rpm_id, name)
;
CREATE TABLE rpm_deps (
    rpm_id INTEGER NOT NULL REFERENCES rpminfo (id),
    dep_type INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    name TEXT NOT NULL,
    version TEXT NOT NULL,
    flags INTEGER NOT NULL,
    PRIMARY KEY (rpm_id, dep_type, idx)
)
;
CREATE TABLE rpm_changelog (
    rpm_id INTEGER NOT NULL REFERENCES rpminfo (id),
    idx INTEGER NOT NULL,
    time BIGINT NOT NULL,
    author TEXT NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (rpm_id, idx)
)
