// Package natdb holds the wire shapes of the national databases as NGSP
// serves them: the records of business registration, population, civil
// status, judicial records and social insurance, the shared catalogs, and
// the answers of the queries over them, with the paths of the APIs that
// serve each.
//
// They are defined once so that the NGSP simulator (adapters/sim/ngsp) and
// the platform's typed adapters agree on every field: a field renamed here
// is renamed on both sides of the wire, and a test against the simulator
// proves an adapter reads what NGSP sends. The package holds data shapes
// only; talking to NGSP (tokens, retries, the error envelope) is the
// connector's business (adapters/ngsp).
//
// Field names are the national ones, in Vietnamese, as the JSON tags spell
// them. Dates are dd/MM/yyyy, months MM/yyyy, and money whole đồng, all in
// Vietnam's time (UTC+7); see DateLayout and MonthLayout.
package natdb
