// Package netguard decides which upstream URLs the gateway may be pointed
// at, so that nobody registers an API whose upstream is a cloud-metadata
// service or another internal address by accident.
//
// A Policy is an allow-list of networks (CIDRs), host names or suffixes, and
// the keyword "public" (every globally routable unicast address). Some
// addresses are refused whatever the list says: link-local ranges (where
// cloud metadata services live), the known metadata addresses and names,
// unspecified, multicast and broadcast addresses.
//
// Registration checks the URL once; the gateway should also refuse
// HardDenied addresses when it dials (see Policy.Control), because DNS
// answers can change after registration.
package netguard
