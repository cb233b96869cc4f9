// Package openapi reads just enough of an OpenAPI 3.x or Swagger 2.0
// document (JSON or YAML) to list an API's resources: its paths and their
// HTTP methods. It does not validate schemas; it refuses documents that are
// too large, do not parse, or are not OpenAPI at all.
package openapi
