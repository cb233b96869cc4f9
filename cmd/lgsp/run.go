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
	"github.com/lgsp-vn/lgsp/platform/config"
	"github.com/lgsp-vn/lgsp/platform/logging"
	"github.com/lgsp-vn/lgsp/services/registry"
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
			cfg, res, err := app.LoadConfig(app.LoadOptions{File: configFile, Dev: true})
			if err != nil {
				return err
			}
			if cmd.Flags().Changed("data") {
				cfg.DataDir = dataDir
			}
			if noDemo {
				cfg.Demo = false
			}
			return runApp(cmd, cfg, res, true, nil)
		},
	}
	cmd.Flags().StringVar(&dataDir, "data", "./data", "data directory (NATS store, SQLite files, generated secrets); LGSP_DATA_DIR")
	cmd.Flags().StringVar(&configFile, "config", os.Getenv("LGSP_CONFIG"), "optional YAML configuration file (LGSP_CONFIG)")
	cmd.Flags().BoolVar(&noDemo, "no-demo", false, "do not seed demo data")
	return cmd
}

func newServeCommand() *cobra.Command {
	var configFile string
	cmd := &cobra.Command{
		Use:   "serve <service>",
		Short: "Run one service (" + strings.Join(app.ServeNames(), ", ") + ") against external NATS and PostgreSQL",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, res, err := app.LoadConfig(app.LoadOptions{File: configFile})
			if err != nil {
				return err
			}
			return runApp(cmd, cfg, res, false, []string{args[0]})
		},
	}
	cmd.Flags().StringVar(&configFile, "config", os.Getenv("LGSP_CONFIG"), "optional YAML configuration file (LGSP_CONFIG)")
	return cmd
}

func runApp(cmd *cobra.Command, cfg *app.Config, res config.Result, dev bool, services []string) error {
	log, err := logging.New(os.Stderr, logging.Options{Level: cfg.LogLevel, Format: cfg.LogFormat})
	if err != nil {
		return err
	}
	slog.SetDefault(log)
	if len(res.Unknown) > 0 {
		log.Warn("unknown LGSP_* environment variables, ignored: check for typos", "variables", app.UnknownSettings(res))
	}
	ctx := cmd.Context()
	a, err := app.New(ctx, cfg, dev, services, log)
	if err != nil {
		if ctx.Err() != nil {
			// Stopped while waiting for a dependency: a clean stop.
			log.Info("stopped before the start completed", "err", err)
			return nil
		}
		return err
	}
	if dev {
		printBanner(cmd.OutOrStdout(), a.Info)
	}
	log.Info("started", "version", buildinfo.Version, "services", strings.Join(a.Info.Services, ","),
		"admin_url", a.Info.AdminURL, "gateway_url", a.Info.GatewayURL)
	err = a.Run(ctx)
	log.Info("stopped")
	return err
}

// printBanner tells a developer where everything is. Only `lgsp dev`
// prints it: a served process writes structured logs only, so that a log
// pipeline reads every line.
func printBanner(w io.Writer, in app.Info) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	p("")
	p("LGSP %s is running.", buildinfo.Version)
	if in.ConsoleURL != "" {
		p("  Web console:                   %s  (open it in a browser; sign in as admin)", in.ConsoleURL)
	}
	if in.GatewayURL != "" {
		p("  Gateway (public API traffic):  %s", in.GatewayURL)
	}
	if in.AdminAPI {
		p("  Admin API and gRPC:            %s  (REST under /admin/v1, gRPC, /metrics)", in.AdminURL)
	} else {
		p("  Admin listener:                %s  (/metrics)", in.AdminURL)
	}
	p("  Health:                        %s/healthz  %s/readyz", in.AdminURL, in.AdminURL)
	p("  NATS (embedded JetStream):     %s", in.NATSURL)
	if in.SimulatorURL != "" {
		p("  National-system simulators:    %s", in.SimulatorURL)
	}
	if in.AxisSimulatorURL != "" {
		p("  National document axis (sim):  %s", in.AxisSimulatorURL)
	}
	if in.PortalSimulatorURL != "" {
		p("  Public-service portal (sim):   %s", in.PortalSimulatorURL)
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
	if len(in.ExchangeAgencies) > 0 {
		first := in.ExchangeAgencies[min(1, len(in.ExchangeAgencies)-1)]
		p("")
		p("Document exchange (trục liên thông văn bản), demo agencies %s:", strings.Join(in.ExchangeAgencies, ", "))
		p("  REST API:      curl -H 'apikey: %s' %s/docexchange/v1/inbox", registry.ExchangeDemoAPIKey(first), in.GatewayURL)
		p("  National SDK:  base URL %s/vdxp/1.0, systemid = the agency code, secret demo-vdxp-secret-<code>", in.GatewayURL)
	}
	if len(in.OneStopAgencies) > 0 {
		first := in.OneStopAgencies[0]
		p("")
		p("One-stop dossiers (hồ sơ TTHC), demo agencies %s:", strings.Join(in.OneStopAgencies, ", "))
		p("  REST API:      curl -H 'apikey: %s' %s/onestop/v1/dossiers", registry.OneStopDemoAPIKey(first), in.GatewayURL)
		p("  Public lookup: curl %s/onestop-public/v1/dossiers/<code>", in.GatewayURL)
	}
	if in.AdaptersAPIKey != "" {
		p("")
		p("National databases through NGSP (typed adapters), demo key of %s:", registry.AdaptersDemoAgency.Code)
		p("  Business:   curl -H 'apikey: %s' %s/ngsp-business/v1/enterprises/%s", in.AdaptersAPIKey, in.GatewayURL, in.DemoEnterprise)
		p("  Population: curl -H 'apikey: %s' '%s/ngsp-population/v1/citizens/%s?legalBasis=Luat+Cu+tru+2020&caseRef=DEMO-0001'", in.AdaptersAPIKey, in.GatewayURL, in.DemoCitizenID)
		p("  Access report (auditor / %s): %s/admin/v1/adapters/access-report?subjectKind=SUBJECT_KIND_CITIZEN_ID&subject=%s", in.AuditorPasswordFile, in.AdminURL, in.DemoCitizenID)
	}
	p("")
	if in.Loopback {
		p("Listening on loopback only. To reach it from other machines, set LGSP_GATEWAY_ADDR=:8080 and")
		p("LGSP_ADMIN_ADDR=:8081, and use lgsp serve with real secrets (docs/deploy.md): the demo secrets are public.")
	}
	p("Stop with Ctrl-C (SIGINT) or SIGTERM.")
	p("")
}
