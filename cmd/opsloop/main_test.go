package main

import (
	"context"
	"flag"
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

var updateScripts = flag.Bool("update-scripts", false, "rewrite testdata/script/*.txtar with actual output")

func TestMain(m *testing.M) {
	// The test binary runs as the real command (signals included) when a
	// test re-executes it with this variable set.
	if os.Getenv("OPSLOOP_TEST_MAIN") == "1" {
		main()
	}
	testscript.Main(m, map[string]func(){
		"opsloop": func() {
			os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
		},
	})
}

// TestScript runs the end-to-end CLI scripts in testdata/script.
func TestScript(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:           "testdata/script",
		UpdateScripts: *updateScripts,
		Setup: func(env *testscript.Env) error {
			env.Setenv("NO_COLOR", "1")
			return nil
		},
	})
}
