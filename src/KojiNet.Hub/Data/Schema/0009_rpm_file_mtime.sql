-- The modification time of each imported RPM file (seconds since the Unix epoch), recorded at
-- import so repodata made from stored metadata carries createrepo_c's `time file` without a stat.
-- Rows imported before this column existed hold NULL; repodata then uses the rpm's build time.
ALTER TABLE rpm_header_data ADD COLUMN file_mtime BIGINT
;
