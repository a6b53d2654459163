// Command opsloop is the operational feedback loop for teams that ship
// fast: guardrails before deploy (check), and, as it grows, telemetry
// intake, detection, remediation and chaos in one binary.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
