// Package devchild runs `lgsp dev` as a child process for the end-to-end
// benchmarks: the binary `make build` ships, on random loopback ports,
// with its data in a directory of the benchmark's and its log in a file.
// A child process, not the platform in the benchmark's process, so that
// its CPU and memory are its own and it starts and stops as an operator
// would run it.
package devchild
