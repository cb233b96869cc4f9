// Package netguard decides which upstream addresses LGSP may be pointed at
// and connect to, so that nobody reaches a cloud-metadata service or another
// internal address through the platform.
//
// A Policy is an allow-list of networks (CIDRs), host names or suffixes, and
// the keyword "public" (every globally routable unicast address). Some
// addresses are refused whatever the list says: link-local ranges (where
// cloud metadata services live), the known metadata addresses and names,
// unspecified, multicast and broadcast addresses.
//
// The registry checks an upstream URL once, when it is registered
// (CheckURL). DNS answers change afterwards, so whoever connects checks
// again at connect time: Policy.DialContext resolves the name, dials only
// the addresses the policy admits, and refuses with an *Error when none
// is. The gateway dials API upstreams and upstream token endpoints this way.
package netguard
