// Package vdxp is the connector to the national document axis (trục liên
// thông văn bản quốc gia) and the axis's wire dialect: call names, logical
// headers, the answer envelope and the national error codes.
//
// The platform's own national-compatible surface (services/docexchange)
// and the simulator (adapters/sim/vdxp) use the same types, so that the
// three speak one dialect.
package vdxp
