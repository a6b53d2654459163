package main

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/opsloop/opsloop/internal/app"
	"github.com/opsloop/opsloop/internal/config"
	"github.com/opsloop/opsloop/internal/web"
)

// serveFlags override opsloop.yaml when given.
type serveFlags struct {
	config        string
	dataDir       string
	httpAddr      string
	otlpGRPCAddr  string
	otlpHTTPAddr  string
	store         string
	prometheusURL string
}

func newServeCmd(g *globals) *cobra.Command {
	f := &serveFlags{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the opsloop server: API, state store and leader election",
		Long: `serve runs the opsloop server until SIGINT or SIGTERM, then stops in order
within shutdown_timeout: /readyz fails first, listeners stop accepting,
requests in flight finish, the leader lease is released and the state store
is closed.

Configuration comes from --config (opsloop.yaml, strict; see docs/serve.md),
with the flags below overriding it. With no file and no flags it listens on
127.0.0.1:7400 and keeps its state in SQLite under ./opsloop-data.`,
		Example: `  opsloop serve
  opsloop serve --config opsloop.yaml --store postgres://opsloop@db/opsloop
  OPSLOOP_TOKENS=ci:operator:$CI_TOKEN opsloop serve --http-addr 0.0.0.0:7400`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadServeConfig(cmd, f)
			if err != nil {
				return usageErr(err)
			}
			log, err := g.logger()
			if err != nil {
				return err
			}
			ver, _ := buildInfo()
			err = app.Run(cmd.Context(), app.Options{Config: cfg, Logger: log, Version: ver})
			if errors.Is(err, app.ErrConfig) {
				return usageErr(err)
			}
			return err
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.config, "config", "", "opsloop.yaml to read (default: none, built-in defaults)")
	fl.StringVar(&f.dataDir, "data-dir", config.DefaultDataDir, "directory for the SQLite state and, later, the signal stores")
	fl.StringVar(&f.httpAddr, "http-addr", config.DefaultHTTPAddr, "API and UI listen address")
	fl.StringVar(&f.otlpGRPCAddr, "otlp-grpc-addr", config.DefaultOTLPGRPCAddr, "OTLP gRPC listen address (intake is not wired yet)")
	fl.StringVar(&f.otlpHTTPAddr, "otlp-http-addr", config.DefaultOTLPHTTPAddr, "OTLP HTTP listen address (intake is not wired yet)")
	fl.StringVar(&f.store, "store", "", "state store: sqlite:PATH or postgres://… (default: SQLite in the data directory)")
	fl.StringVar(&f.prometheusURL, "prometheus-url", "", "external Prometheus-compatible server instead of the embedded TSDB (not wired yet)")
	return cmd
}

// loadServeConfig reads --config, then applies the flags that were set.
func loadServeConfig(cmd *cobra.Command, f *serveFlags) (config.Config, error) {
	cfg := config.Default()
	if f.config != "" {
		c, err := config.Load(f.config)
		if err != nil {
			return config.Config{}, err
		}
		cfg = c
	}
	fl := cmd.Flags()
	for name, dst := range map[string]*string{
		"data-dir": &cfg.DataDir, "http-addr": &cfg.HTTP.Addr, "otlp-grpc-addr": &cfg.OTLP.GRPCAddr,
		"otlp-http-addr": &cfg.OTLP.HTTPAddr, "store": &cfg.Store.URL, "prometheus-url": &cfg.Prometheus.URL,
	} {
		if fl.Changed(name) {
			v, _ := fl.GetString(name)
			*dst = v
		}
	}
	if err := cfg.Validate(); err != nil {
		return config.Config{}, fmt.Errorf("after applying flags: %w", err)
	}
	return cfg, nil
}

func newConfigCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "config", Short: "Work with opsloop.yaml"}
	var print bool
	check := &cobra.Command{
		Use:   "check FILE",
		Short: "Validate opsloop.yaml without starting anything",
		Long: `check reads FILE strictly (unknown keys, wrong types and invalid values are
errors, all reported at once) and exits 0 when it is valid, 1 when it is
not. --print shows the effective configuration, defaults filled in.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := config.Load(args[0])
			if err != nil {
				fmt.Fprintf(g.stderr, "opsloop: %v\n", err)
				return &exitCodeError{code: exitFindings}
			}
			if print {
				b, err := yaml.Marshal(cfg)
				if err != nil {
					return err
				}
				_, _ = g.stdout.Write(b)
				return nil
			}
			fmt.Fprintf(g.stdout, "%s: valid\n", args[0])
			return nil
		},
	}
	check.Flags().BoolVar(&print, "print", false, "print the effective configuration")
	cmd.AddCommand(check)
	return cmd
}

func newTokenCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Make API tokens"}
	var name, role string
	newCmd := &cobra.Command{
		Use:   "new",
		Short: "Print a new random API token and the opsloop.yaml entry that accepts it",
		Long: `new prints a random token on the first line (give it to the client; it is
not stored anywhere) and, below, the auth.tokens entry with its SHA-256 for
opsloop.yaml.`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if config.RoleRank(role) < 0 {
				return usageErr(fmt.Errorf("--role %q: want one of %v", role, config.Roles))
			}
			if name == "" {
				return usageErr(errors.New("--name is required"))
			}
			secret := newSecret()
			fmt.Fprintln(g.stdout, secret)
			fmt.Fprintf(g.stdout, "# opsloop.yaml\nauth:\n  tokens:\n    - {name: %s, role: %s, sha256: %s}\n", name, role, web.HashToken(secret))
			return nil
		},
	}
	newCmd.Flags().StringVar(&name, "name", "", "who or what the token is for (recorded in the audit trail)")
	newCmd.Flags().StringVar(&role, "role", "viewer", "viewer, operator, approver or admin")
	cmd.AddCommand(newCmd)
	return cmd
}

// newSecret returns a token of 32 random bytes as URL-safe text.
func newSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return "ol_" + base64.RawURLEncoding.EncodeToString(b)
}
