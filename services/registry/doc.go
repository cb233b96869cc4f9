// Package registry is the API registry: agencies, API versions and their
// lifecycle, policy tiers, consumer applications and their credentials,
// subscriptions with approval, admin users and sessions, the token-signing
// keys and the hash-chained audit log.
//
// It serves two gRPC services. RegistryService is the admin API (REST under
// /admin/v1 through grpc-gateway); every call reads the caller from
// authn.From and is checked against the authorisation table in authz.go.
// Every error the registry answers with is declared once, with its stable
// code and English and Vietnamese messages, in errors.go.
// GatewayService is internal: gateways fetch a Snapshot of everything they
// need and delegate the OAuth2 token endpoint's checks to IssueToken.
//
// Every committed change bumps a global revision in the same transaction,
// appends a row to the audit log, and is then announced on NATS subject
// lgsp.registry.changes.<kind> (Nats-Msg-Id = revision). Publishing happens
// after the commit and may fail; gateways therefore also poll GetSnapshot
// with their known revision, which answers not_modified cheaply, so a lost
// event delays a change by at most one poll interval.
//
// Secrets: OAuth2 client secrets, API keys and session tokens are random
// (at least 128 bits), shown once and stored as SHA-256. User passwords are
// hashed with argon2id. Secrets the platform must use again (upstream
// credentials, signed-header HMAC secrets, private signing keys) are sealed
// with AES-256-GCM under the master key.
//
// Agency succession: when an agency's code is replaced (renaming or merger),
// SucceedAgency marks the old agency superseded with its successor code and
// moves its APIs, applications and users to the successor in the same
// transaction, so consumers keep working under the new code; the old code's
// record and every state it went through stay in registry_agency_history.
package registry
