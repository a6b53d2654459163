package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/spf13/cobra"
)

// Exit codes.
const (
	exitOK       = 0
	exitFindings = 1
	exitError    = 2
)

// exitError carries an exit code out of a command.
type exitCodeError struct {
	code int
	err  error
}

func (e *exitCodeError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *exitCodeError) Unwrap() error { return e.err }

// globals are the flags every command shares.
type globals struct {
	logLevel  string
	logFormat string
	stdin     io.Reader
	stdout    io.Writer
	stderr    io.Writer
}

// logger builds the process logger: JSON on stderr by default.
func (g *globals) logger() (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(g.logLevel)); err != nil {
		return nil, usageErr(fmt.Errorf("--log-level: %w", err))
	}
	opts := &slog.HandlerOptions{Level: lvl}
	switch strings.ToLower(g.logFormat) {
	case "json":
		return slog.New(slog.NewJSONHandler(g.stderr, opts)), nil
	case "text", "logfmt":
		return slog.New(slog.NewTextHandler(g.stderr, opts)), nil
	}
	return nil, usageErr(fmt.Errorf("--log-format: unknown format %q (want json or text)", g.logFormat))
}

func usageErr(err error) error { return &exitCodeError{code: exitError, err: err} }

// newRoot builds the command tree.
func newRoot(g *globals) *cobra.Command {
	root := &cobra.Command{
		Use:   "opsloop",
		Short: "The operational feedback loop: guardrails, detection, remediation and chaos in one binary",
		Long: `opsloop checks infrastructure-as-code before deploy and, as it grows, watches
production telemetry, opens incidents, proposes remediations and runs chaos
experiments — one binary, sensible defaults.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(g.stdin)
	root.SetOut(g.stdout)
	root.SetErr(g.stderr)
	pf := root.PersistentFlags()
	pf.StringVar(&g.logLevel, "log-level", "warn", "log level: debug, info, warn or error")
	pf.StringVar(&g.logFormat, "log-format", "json", "log format on stderr: json or text")
	root.AddCommand(newVersionCmd(g), newCheckCmd(g), newRulesCmd(g), newServeCmd(g), newConfigCmd(g), newTokenCmd(g))
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageErr(err) })
	return root
}

// run executes the command line and returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	g := &globals{stdin: stdin, stdout: stdout, stderr: stderr}
	root := newRoot(g)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	if ec, ok := errors.AsType[*exitCodeError](err); ok {
		if ec.err != nil {
			fmt.Fprintf(stderr, "opsloop: %v\n", ec.err)
		}
		return ec.code
	}
	fmt.Fprintf(stderr, "opsloop: %v\n", err)
	if isUsage(err) {
		fmt.Fprintln(stderr, "Run 'opsloop --help' for usage.")
	}
	return exitError
}

// isUsage recognises cobra's own usage errors (unknown command or flag).
func isUsage(err error) bool {
	s := err.Error()
	return strings.HasPrefix(s, "unknown command") || strings.HasPrefix(s, "unknown flag") ||
		strings.HasPrefix(s, "unknown shorthand") || strings.Contains(s, "arg(s)")
}
