-- Who owns what: the author of an API's stored upstream secret, and one
-- application per client certificate.

-- +goose Up
-- The role of whoever last set an API's stored upstream secret ('' when none
-- is stored). An upstream whose secret a platform admin set may only be
-- changed by a platform admin (docs/security.md).
ALTER TABLE registry_apis ADD COLUMN upstream_set_by TEXT NOT NULL DEFAULT '';
-- Nobody recorded who set the secrets stored before this migration: they are
-- taken to be a platform admin's, the safe side.
UPDATE registry_apis SET upstream_set_by = 'platform_admin' WHERE upstream_secrets <> '';

-- A client certificate identifies exactly one application. Databases
-- written before this rule may hold a fingerprint on several applications:
-- the oldest application (by creation time, then id) keeps it, the others
-- lose it, and each loss is noted here so that an operator can see it and
-- bind the right certificate again. The down migration puts them back.
CREATE TABLE registry_cert_fingerprint_conflicts (
    application_id   TEXT PRIMARY KEY,
    cert_fingerprint TEXT NOT NULL,
    kept_by          TEXT NOT NULL
);
INSERT INTO registry_cert_fingerprint_conflicts (application_id, cert_fingerprint, kept_by)
SELECT a.id, a.cert_fingerprint,
       (SELECT k.id FROM registry_applications k WHERE k.cert_fingerprint = a.cert_fingerprint
        ORDER BY k.created_ms, k.id LIMIT 1)
FROM registry_applications a
WHERE a.cert_fingerprint <> '' AND EXISTS (
    SELECT 1 FROM registry_applications o
    WHERE o.cert_fingerprint = a.cert_fingerprint
      AND (o.created_ms < a.created_ms OR (o.created_ms = a.created_ms AND o.id < a.id)));
UPDATE registry_applications SET cert_fingerprint = ''
WHERE id IN (SELECT application_id FROM registry_cert_fingerprint_conflicts);
-- Gateways holding the previous snapshot fetch a new one.
UPDATE registry_state SET revision = revision + 1
WHERE id = 1 AND EXISTS (SELECT 1 FROM registry_cert_fingerprint_conflicts);
CREATE UNIQUE INDEX registry_applications_cert_fingerprint ON registry_applications (cert_fingerprint) WHERE cert_fingerprint <> '';

-- +goose Down
DROP INDEX registry_applications_cert_fingerprint;
UPDATE registry_applications SET cert_fingerprint = (
    SELECT c.cert_fingerprint FROM registry_cert_fingerprint_conflicts c WHERE c.application_id = registry_applications.id)
WHERE id IN (SELECT application_id FROM registry_cert_fingerprint_conflicts);
DROP TABLE registry_cert_fingerprint_conflicts;
ALTER TABLE registry_apis DROP COLUMN upstream_set_by;
