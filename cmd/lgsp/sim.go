package main

import (
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lgsp-vn/lgsp/internal/app"
	"github.com/lgsp-vn/lgsp/platform/config"
	"github.com/lgsp-vn/lgsp/platform/logging"
	"github.com/lgsp-vn/lgsp/platform/service"
)

func init() { extraCommands = append(extraCommands, newSimCommand) }

// simPrefix starts the table names of the national-system simulators.
const simPrefix = "sim_"

// simulators lists the simulators of the table by their short name
// (sim_vdxp → vdxp).
func simulators() map[string]service.Definition {
	out := map[string]service.Definition{}
	for _, d := range app.Table {
		if name, ok := strings.CutPrefix(d.Name, simPrefix); ok && d.DevOnly {
			out[name] = d
		}
	}
	return out
}

// newSimCommand runs one national-system simulator on its own, for a
// province's test bench or a connector developer: no NATS, no database,
// just the simulator's HTTP server with its section of the configuration.
func newSimCommand() *cobra.Command {
	sims := simulators()
	names := make([]string, 0, len(sims))
	for n := range sims {
		names = append(names, n)
	}
	slices.Sort(names)
	var configFile string
	cmd := &cobra.Command{
		Use:       "sim <" + strings.Join(names, "|") + ">",
		Short:     "Run one national-system simulator alone (" + strings.Join(names, ", ") + "), with its sim_<name> settings",
		Args:      cobra.ExactArgs(1),
		ValidArgs: names,
		RunE: func(cmd *cobra.Command, args []string) error {
			d, ok := sims[args[0]]
			if !ok {
				return &config.Invalid{Setting: "simulator", Value: args[0], Reason: "want one of " + strings.Join(names, ", ")}
			}
			cfg, res, err := app.LoadConfig(app.LoadOptions{File: configFile, Dev: true})
			if err != nil {
				return err
			}
			section := cfg.Section(d.Name)
			if v, ok := section.(interface{ Validate() error }); ok {
				if err := v.Validate(); err != nil {
					return err
				}
			}
			log, err := logging.New(os.Stderr, logging.Options{Level: cfg.LogLevel, Format: cfg.LogFormat})
			if err != nil {
				return err
			}
			slog.SetDefault(log)
			if len(res.Unknown) > 0 {
				log.Warn("unknown LGSP_* environment variables, ignored: check for typos", "variables", app.UnknownSettings(res))
			}
			ctx := cmd.Context()
			inst, err := d.New(ctx, service.Deps{
				Dev: true, Log: log, DataDir: cfg.DataDir, StopBound: cfg.ShutdownTimeout - 2*time.Second,
			}, section)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "\n%s: %s\n", d.Name, d.Summary)
			if e, ok := inst.(service.Endpoints); ok {
				for _, ep := range e.Endpoints() {
					fmt.Fprintf(out, "  %-24s %s\n", ep.Name+":", ep.URL)
				}
			}
			if b, ok := inst.(interface{ Banner() []string }); ok {
				for _, line := range b.Banner() {
					fmt.Fprintf(out, "  %s\n", line)
				}
			}
			fmt.Fprintln(out, "Stop with Ctrl-C (SIGINT) or SIGTERM.")
			fmt.Fprintln(out)
			err = inst.Run(ctx)
			log.Info("stopped", "simulator", d.Name)
			return err
		},
	}
	cmd.Flags().StringVar(&configFile, "config", os.Getenv("LGSP_CONFIG"), "optional YAML configuration file (LGSP_CONFIG)")
	return cmd
}
