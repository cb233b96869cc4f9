package benchcmd

import "flag"

// Settings are the flags every end-to-end benchmark has.
type Settings struct {
	// Out is the file whose section the report replaces; "" prints it.
	Out string
	// LGSP is the lgsp binary measured.
	LGSP string
	// Keep keeps the temporary data directories and logs.
	Keep bool
}

// Register defines -out, -lgsp and -keep on the command line. section
// names the benchmark's section of the report; kept says what -keep keeps.
func (s *Settings) Register(section, kept string) {
	flag.StringVar(&s.Out, "out", "docs/BENCHMARKS.md", "where to write the report (its "+section+" section); empty prints it")
	flag.StringVar(&s.LGSP, "lgsp", "bin/lgsp", "the lgsp binary to measure (make build)")
	flag.BoolVar(&s.Keep, "keep", false, "keep the "+kept)
}
