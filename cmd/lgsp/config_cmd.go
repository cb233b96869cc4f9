package main

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/lgsp-vn/lgsp/internal/app"
	"github.com/lgsp-vn/lgsp/platform/config"
)

func init() { extraCommands = append(extraCommands, newConfigCommand) }

func newConfigCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "config",
		Short: "Show the effective configuration, or the reference of every setting",
	}
	var configFile string
	var dev bool
	print := &cobra.Command{
		Use:   "print",
		Short: "Print the effective configuration (defaults, file, environment) as YAML, secrets masked",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, res, err := app.LoadConfig(app.LoadOptions{File: configFile, Dev: dev})
			if err != nil {
				return err
			}
			if len(res.Unknown) > 0 {
				cmd.PrintErrln("# unknown LGSP_* variables, ignored:", app.UnknownSettings(res))
			}
			return config.Print(cmd.OutOrStdout(), cfg.Sections()...)
		},
	}
	print.Flags().StringVar(&configFile, "config", os.Getenv("LGSP_CONFIG"), "optional YAML configuration file (LGSP_CONFIG)")
	print.Flags().BoolVar(&dev, "dev", false, "start from the defaults of lgsp dev")
	docs := &cobra.Command{
		Use:   "docs",
		Short: "Print the Markdown reference of every setting (docs/configuration.md)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return app.ConfigDocs(cmd.OutOrStdout())
		},
	}
	root.AddCommand(print, docs)
	return root
}
