// Command lgsp is the LGSP platform in one binary: `lgsp dev` runs every
// service in one process on embedded engines, `lgsp serve <service>` runs one
// service per process for a real deployment, and `lgsp admin` manages the
// registry through the admin API.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := newRootCommand()
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "lgsp:", err)
		var ec exitCoder
		if errors.As(err, &ec) {
			os.Exit(ec.ExitCode())
		}
		os.Exit(1)
	}
}

type exitCoder interface{ ExitCode() int }

func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "lgsp",
		Short:         "LGSP: provincial integration and data-sharing platform",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newDevCommand(), newServeCommand(), newVersionCommand())
	for _, c := range extraCommands {
		root.AddCommand(c())
	}
	return root
}

// extraCommands lets other files of this package add top-level commands
// (the admin CLI, audit tools) without editing this one.
var extraCommands []func() *cobra.Command
