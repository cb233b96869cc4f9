// Package benchcmd is what the end-to-end benchmark commands share around
// their measurements: the log they write, their lists of counts (clients,
// senders), and running until done or interrupted. An interrupted
// benchmark still stops its `lgsp dev` child and removes its temporary
// data, so they all run the same way.
package benchcmd
