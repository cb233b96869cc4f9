// Package failures counts the failed calls of a load run by message, for
// the log and the report. A run that goes wrong fails the same way
// thousands of times; keeping a few kinds with their counts says what
// happened without holding every error.
package failures
