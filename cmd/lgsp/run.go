package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lgsp-vn/lgsp/internal/app"
	"github.com/lgsp-vn/lgsp/platform/buildinfo"
	"github.com/lgsp-vn/lgsp/platform/logging"
)

func newVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintln(cmd.OutOrStdout(), buildinfo.String())
		},
	}
}

func newDevCommand() *cobra.Command {
	var dataDir, configFile string
	var noDemo bool
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "Run every service in one process with embedded NATS, SQLite, simulators and demo data",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := app.Load(configFile)
			if err != nil {
				return err
			}
			if cmd.Flags().Changed("data") || os.Getenv("LGSP_DATA_DIR") == "" {
				cfg.DataDir = dataDir
			}
			cfg.Simulators = true
			cfg.Demo = !noDemo
			if os.Getenv("LGSP_LOG_FORMAT") == "" {
				cfg.LogFormat = "text"
			}
			return runApp(cmd, cfg, true, app.Services)
		},
	}
	cmd.Flags().StringVar(&dataDir, "data", "./data", "data directory (NATS store, SQLite files, generated secrets)")
	cmd.Flags().StringVar(&configFile, "config", os.Getenv("LGSP_CONFIG"), "optional YAML configuration file (LGSP_CONFIG)")
	cmd.Flags().BoolVar(&noDemo, "no-demo", false, "do not seed demo data")
	return cmd
}

func newServeCommand() *cobra.Command {
	var configFile string
	cmd := &cobra.Command{
		Use:   "serve <service>",
		Short: "Run one service (" + strings.Join(app.Services, ", ") + ") against external NATS and PostgreSQL",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := app.Load(configFile)
			if err != nil {
				return err
			}
			return runApp(cmd, cfg, false, []string{args[0]})
		},
	}
	cmd.Flags().StringVar(&configFile, "config", os.Getenv("LGSP_CONFIG"), "optional YAML configuration file (LGSP_CONFIG)")
	return cmd
}

func runApp(cmd *cobra.Command, cfg app.Config, dev bool, services []string) error {
	log, err := logging.New(os.Stderr, logging.Options{Level: cfg.LogLevel, Format: cfg.LogFormat})
	if err != nil {
		return err
	}
	slog.SetDefault(log)
	ctx := cmd.Context()
	a, err := app.New(ctx, cfg, dev, services, log)
	if err != nil {
		return err
	}
	printBanner(cmd.OutOrStdout(), a.Info, dev)
	log.Info("started", "version", buildinfo.Version, "services", strings.Join(services, ","))
	err = a.Run(ctx)
	log.Info("stopped")
	return err
}

func printBanner(w io.Writer, in app.Info, dev bool) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	p("")
	p("LGSP %s is running.", buildinfo.Version)
	if in.GatewayURL != "" {
		p("  Gateway (public API traffic):  %s", in.GatewayURL)
	}
	if in.AdminURL != "" {
		p("  Admin API and gRPC:            %s  (REST under /admin/v1, gRPC, /metrics)", in.AdminURL)
		p("  Health:                        %s/healthz  %s/readyz", in.AdminURL, in.AdminURL)
	}
	if dev {
		p("  NATS (embedded JetStream):     %s", in.NATSURL)
	}
	if in.SimulatorURL != "" {
		p("  National-system simulators:    %s", in.SimulatorURL)
	}
	if in.AdminUser != "" {
		switch {
		case in.PasswordGenerated:
			p("  Admin login:                   %s / %s  (generated now, also saved in %s)", in.AdminUser, in.AdminPassword, in.AdminPasswordFile)
		case in.AdminPasswordFile != "":
			p("  Admin login:                   %s / (password in %s)", in.AdminUser, in.AdminPasswordFile)
		default:
			p("  Admin login:                   %s / (LGSP_ADMIN_PASSWORD)", in.AdminUser)
		}
	}
	if in.DemoClientID != "" {
		p("")
		p("Demo application (OAuth2 client credentials):")
		p("  client_id=%s client_secret=%s", in.DemoClientID, in.DemoClientSecret)
		p("  TOKEN=$(curl -s -u %s:%s -d grant_type=client_credentials %s/token | sed 's/.*\"access_token\":\"\\([^\"]*\\)\".*/\\1/')", in.DemoClientID, in.DemoClientSecret, in.GatewayURL)
		p("  curl -H \"Authorization: Bearer $TOKEN\" '%s%s'", in.GatewayURL, in.DemoAPIPath)
	}
	p("")
	p("Stop with Ctrl-C (SIGINT) or SIGTERM.")
	p("")
}
