// Package secretbox encrypts the secrets the platform must be able to use
// again (upstream passwords and tokens, signed-header HMAC secrets, the
// private token-signing keys) with AES-256-GCM under the master key
// (LGSP_MASTER_KEY).
//
// Each sealed value is bound to a context string, typically the table and
// row it belongs to, so a ciphertext copied onto another row does not open.
// The text form starts with a version tag to allow a master-key rotation
// later.
package secretbox
