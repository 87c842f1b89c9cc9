-- Change counters for the hubs' in-memory tag caches (Api/Tags/TagCache.cs).
-- tag_versions holds one counter per tag, bumped in the same transaction as any change to what
-- the caches keep of that tag: its name, configuration, extra, parents, package list and
-- listing, and the builds it lists. Row 0 is bumped when a name shown with cached rows changes
-- (users, packages, volumes, content generators, permissions). A hub serves a cached tag only
-- after reading that the counters of the tags involved are still the ones it loaded them at,
-- so every hub sharing the database sees every change, whichever code or client made it.
CREATE TABLE tag_versions (
    tag_id INTEGER PRIMARY KEY,
    version BIGINT NOT NULL DEFAULT 0
)
;
INSERT INTO tag_versions (tag_id, version) SELECT id, 0 FROM tag
;
INSERT INTO tag_versions (tag_id, version) VALUES (0, 0)
;

-- engine: sqlite
CREATE TRIGGER tag_versions_tag_insert AFTER INSERT ON tag
BEGIN INSERT INTO tag_versions (tag_id, version) VALUES (NEW.id, 0); END
;
CREATE TRIGGER tag_versions_tag_rename AFTER UPDATE OF name ON tag
BEGIN UPDATE tag_versions SET version = version + 1 WHERE tag_id IN (OLD.id, NEW.id); END
;
CREATE TRIGGER tag_versions_config_insert AFTER INSERT ON tag_config
BEGIN UPDATE tag_versions SET version = version + 1 WHERE tag_id = NEW.tag_id; END
;
CREATE TRIGGER tag_versions_config_update AFTER UPDATE ON tag_config
BEGIN UPDATE tag_versions SET version = version + 1 WHERE tag_id IN (OLD.tag_id, NEW.tag_id); END
;
CREATE TRIGGER tag_versions_config_delete AFTER DELETE ON tag_config
BEGIN UPDATE tag_versions SET version = version + 1 WHERE tag_id = OLD.tag_id; END
;
CREATE TRIGGER tag_versions_extra_insert AFTER INSERT ON tag_extra
BEGIN UPDATE tag_versions SET version = version + 1 WHERE tag_id = NEW.tag_id; END
;
CREATE TRIGGER tag_versions_extra_update AFTER UPDATE ON tag_extra
BEGIN UPDATE tag_versions SET version = version + 1 WHERE tag_id IN (OLD.tag_id, NEW.tag_id); END
;
CREATE TRIGGER tag_versions_extra_delete AFTER DELETE ON tag_extra
BEGIN UPDATE tag_versions SET version = version + 1 WHERE tag_id = OLD.tag_id; END
;
CREATE TRIGGER tag_versions_inheritance_insert AFTER INSERT ON tag_inheritance
BEGIN UPDATE tag_versions SET version = version + 1 WHERE tag_id = NEW.tag_id; END
;
CREATE TRIGGER tag_versions_inheritance_update AFTER UPDATE ON tag_inheritance
BEGIN UPDATE tag_versions SET version = version + 1 WHERE tag_id IN (OLD.tag_id, NEW.tag_id); END
;
CREATE TRIGGER tag_versions_inheritance_delete AFTER DELETE ON tag_inheritance
BEGIN UPDATE tag_versions SET version = version + 1 WHERE tag_id = OLD.tag_id; END
;
CREATE TRIGGER tag_versions_packages_insert AFTER INSERT ON tag_packages
BEGIN UPDATE tag_versions SET version = version + 1 WHERE tag_id = NEW.tag_id; END
;
CREATE TRIGGER tag_versions_packages_update AFTER UPDATE ON tag_packages
BEGIN UPDATE tag_versions SET version = version + 1 WHERE tag_id IN (OLD.tag_id, NEW.tag_id); END
;
CREATE TRIGGER tag_versions_packages_delete AFTER DELETE ON tag_packages
BEGIN UPDATE tag_versions SET version = version + 1 WHERE tag_id = OLD.tag_id; END
;
CREATE TRIGGER tag_versions_listing_insert AFTER INSERT ON tag_listing
BEGIN UPDATE tag_versions SET version = version + 1 WHERE tag_id = NEW.tag_id; END
;
CREATE TRIGGER tag_versions_listing_update AFTER UPDATE ON tag_listing
BEGIN UPDATE tag_versions SET version = version + 1 WHERE tag_id IN (OLD.tag_id, NEW.tag_id); END
;
CREATE TRIGGER tag_versions_listing_delete AFTER DELETE ON tag_listing
BEGIN UPDATE tag_versions SET version = version + 1 WHERE tag_id = OLD.tag_id; END
;
CREATE TRIGGER tag_versions_build_update AFTER UPDATE ON build
BEGIN UPDATE tag_versions SET version = version + 1 WHERE tag_id IN (SELECT tag_id FROM tag_listing WHERE build_id IN (OLD.id, NEW.id) AND revoke_event IS NULL); END
;
CREATE TRIGGER tag_versions_users_rename AFTER UPDATE OF name ON users
BEGIN UPDATE tag_versions SET version = version + 1 WHERE tag_id = 0; END
;
CREATE TRIGGER tag_versions_package_rename AFTER UPDATE OF name ON package
BEGIN UPDATE tag_versions SET version = version + 1 WHERE tag_id = 0; END
;
CREATE TRIGGER tag_versions_volume_rename AFTER UPDATE OF name ON volume
BEGIN UPDATE tag_versions SET version = version + 1 WHERE tag_id = 0; END
;
CREATE TRIGGER tag_versions_cg_rename AFTER UPDATE OF name ON content_generator
BEGIN UPDATE tag_versions SET version = version + 1 WHERE tag_id = 0; END
;
CREATE TRIGGER tag_versions_permission_rename AFTER UPDATE OF name ON permissions
BEGIN UPDATE tag_versions SET version = version + 1 WHERE tag_id = 0; END
;

-- engine: postgresql
-- Statement-level triggers: a statement touching many rows bumps each tag once.
CREATE FUNCTION tag_versions_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE tag_versions SET version = version + 1 WHERE tag_id IN (SELECT tag_id FROM new_rows);
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE tag_versions SET version = version + 1 WHERE tag_id IN (SELECT tag_id FROM old_rows);
    ELSE
        UPDATE tag_versions SET version = version + 1
        WHERE tag_id IN (SELECT tag_id FROM old_rows UNION SELECT tag_id FROM new_rows);
    END IF;
    RETURN NULL;
END
$$
;
CREATE FUNCTION tag_versions_bump_builds() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tag_versions SET version = version + 1 WHERE tag_id IN (
        SELECT tl.tag_id FROM tag_listing tl
        WHERE tl.revoke_event IS NULL
          AND tl.build_id IN (SELECT id FROM old_rows UNION SELECT id FROM new_rows));
    RETURN NULL;
END
$$
;
CREATE FUNCTION tag_versions_bump_tags() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO tag_versions (tag_id, version) SELECT id, 0 FROM new_rows;
    ELSE
        UPDATE tag_versions SET version = version + 1
        WHERE tag_id IN (SELECT id FROM old_rows UNION SELECT id FROM new_rows);
    END IF;
    RETURN NULL;
END
$$
;
CREATE FUNCTION tag_versions_bump_names() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tag_versions SET version = version + 1 WHERE tag_id = 0;
    RETURN NULL;
END
$$
;
CREATE TRIGGER tag_versions_tag_insert AFTER INSERT ON tag
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tag_versions_bump_tags()
;
CREATE TRIGGER tag_versions_tag_update AFTER UPDATE ON tag
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tag_versions_bump_tags()
;
CREATE TRIGGER tag_versions_config_insert AFTER INSERT ON tag_config
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tag_versions_bump()
;
CREATE TRIGGER tag_versions_config_update AFTER UPDATE ON tag_config
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tag_versions_bump()
;
CREATE TRIGGER tag_versions_config_delete AFTER DELETE ON tag_config
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tag_versions_bump()
;
CREATE TRIGGER tag_versions_extra_insert AFTER INSERT ON tag_extra
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tag_versions_bump()
;
CREATE TRIGGER tag_versions_extra_update AFTER UPDATE ON tag_extra
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tag_versions_bump()
;
CREATE TRIGGER tag_versions_extra_delete AFTER DELETE ON tag_extra
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tag_versions_bump()
;
CREATE TRIGGER tag_versions_inheritance_insert AFTER INSERT ON tag_inheritance
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tag_versions_bump()
;
CREATE TRIGGER tag_versions_inheritance_update AFTER UPDATE ON tag_inheritance
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tag_versions_bump()
;
CREATE TRIGGER tag_versions_inheritance_delete AFTER DELETE ON tag_inheritance
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tag_versions_bump()
;
CREATE TRIGGER tag_versions_packages_insert AFTER INSERT ON tag_packages
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tag_versions_bump()
;
CREATE TRIGGER tag_versions_packages_update AFTER UPDATE ON tag_packages
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tag_versions_bump()
;
CREATE TRIGGER tag_versions_packages_delete AFTER DELETE ON tag_packages
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tag_versions_bump()
;
-- Tagging inserts one listing row per statement: a row trigger without a transition table is
-- cheaper there. It is deferred to the commit, so concurrent taggers of one tag hold its counter's
-- row lock only while committing; the bump still commits atomically with the listing.
CREATE FUNCTION tag_versions_bump_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tag_versions SET version = version + 1 WHERE tag_id = NEW.tag_id;
    RETURN NULL;
END
$$
;
CREATE CONSTRAINT TRIGGER tag_versions_listing_insert AFTER INSERT ON tag_listing
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION tag_versions_bump_row()
;
CREATE TRIGGER tag_versions_listing_update AFTER UPDATE ON tag_listing
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tag_versions_bump()
;
CREATE TRIGGER tag_versions_listing_delete AFTER DELETE ON tag_listing
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tag_versions_bump()
;
CREATE TRIGGER tag_versions_build_update AFTER UPDATE ON build
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tag_versions_bump_builds()
;
CREATE TRIGGER tag_versions_users_rename AFTER UPDATE OF name ON users
FOR EACH STATEMENT EXECUTE FUNCTION tag_versions_bump_names()
;
CREATE TRIGGER tag_versions_package_rename AFTER UPDATE OF name ON package
FOR EACH STATEMENT EXECUTE FUNCTION tag_versions_bump_names()
;
CREATE TRIGGER tag_versions_volume_rename AFTER UPDATE OF name ON volume
FOR EACH STATEMENT EXECUTE FUNCTION tag_versions_bump_names()
;
CREATE TRIGGER tag_versions_cg_rename AFTER UPDATE OF name ON content_generator
FOR EACH STATEMENT EXECUTE FUNCTION tag_versions_bump_names()
;
CREATE TRIGGER tag_versions_permission_rename AFTER UPDATE OF name ON permissions
FOR EACH STATEMENT EXECUTE FUNCTION tag_versions_bump_names()
;
