-- A change counter for the hubs' in-memory permission cache (Auth/PermissionCache.cs). Row 0
-- is bumped in the same transaction as any change to who holds which permission: direct grants
-- (user_perms), group membership (user_groups) and the permissions themselves. Session
-- validation reads it with the session; a hub uses the permissions it cached for a user only
-- while the counter still holds the value it read them at, so every hub sees every grant.
CREATE TABLE perm_versions (
    id INTEGER PRIMARY KEY,
    version BIGINT NOT NULL DEFAULT 0
)
;
INSERT INTO perm_versions (id, version) VALUES (0, 0)
;

-- engine: sqlite
CREATE TRIGGER perm_versions_perms_insert AFTER INSERT ON user_perms
BEGIN UPDATE perm_versions SET version = version + 1 WHERE id = 0; END
;
CREATE TRIGGER perm_versions_perms_update AFTER UPDATE ON user_perms
BEGIN UPDATE perm_versions SET version = version + 1 WHERE id = 0; END
;
CREATE TRIGGER perm_versions_perms_delete AFTER DELETE ON user_perms
BEGIN UPDATE perm_versions SET version = version + 1 WHERE id = 0; END
;
CREATE TRIGGER perm_versions_groups_insert AFTER INSERT ON user_groups
BEGIN UPDATE perm_versions SET version = version + 1 WHERE id = 0; END
;
CREATE TRIGGER perm_versions_groups_update AFTER UPDATE ON user_groups
BEGIN UPDATE perm_versions SET version = version + 1 WHERE id = 0; END
;
CREATE TRIGGER perm_versions_groups_delete AFTER DELETE ON user_groups
BEGIN UPDATE perm_versions SET version = version + 1 WHERE id = 0; END
;
CREATE TRIGGER perm_versions_permissions_insert AFTER INSERT ON permissions
BEGIN UPDATE perm_versions SET version = version + 1 WHERE id = 0; END
;
CREATE TRIGGER perm_versions_permissions_update AFTER UPDATE ON permissions
BEGIN UPDATE perm_versions SET version = version + 1 WHERE id = 0; END
;
CREATE TRIGGER perm_versions_permissions_delete AFTER DELETE ON permissions
BEGIN UPDATE perm_versions SET version = version + 1 WHERE id = 0; END
;

-- engine: postgresql
CREATE FUNCTION perm_versions_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE perm_versions SET version = version + 1 WHERE id = 0;
    RETURN NULL;
END
$$
;
CREATE TRIGGER perm_versions_perms AFTER INSERT OR UPDATE OR DELETE ON user_perms
FOR EACH STATEMENT EXECUTE FUNCTION perm_versions_bump()
;
CREATE TRIGGER perm_versions_groups AFTER INSERT OR UPDATE OR DELETE ON user_groups
FOR EACH STATEMENT EXECUTE FUNCTION perm_versions_bump()
;
CREATE TRIGGER perm_versions_permissions AFTER INSERT OR UPDATE OR DELETE ON permissions
FOR EACH STATEMENT EXECUTE FUNCTION perm_versions_bump()
;
