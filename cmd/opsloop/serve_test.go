package main

import (
	"bufio"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServe_SignalStopsCleanly runs `opsloop serve` as a process, waits
// until it serves, sends SIGTERM and expects an orderly exit 0.
func TestServe_SignalStopsCleanly(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			cmd := exec.Command(os.Args[0], "serve", "--http-addr", "127.0.0.1:0", "--otlp-grpc-addr", "127.0.0.1:0", "--otlp-http-addr", "127.0.0.1:0", "--data-dir", filepath.Join(dir, "data"), "--log-level", "info")
			cmd.Env = append(os.Environ(), "OPSLOOP_TEST_MAIN=1")
			stderr, err := cmd.StderrPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = cmd.Process.Kill() })
			lines := make(chan map[string]any, 64)
			go func() {
				defer close(lines)
				sc := bufio.NewScanner(stderr)
				for sc.Scan() {
					var m map[string]any
					if json.Unmarshal(sc.Bytes(), &m) == nil {
						lines <- m
					}
				}
			}()
			addr := ""
			timeout := time.After(30 * time.Second)
			for addr == "" {
				select {
				case m, ok := <-lines:
					if !ok {
						t.Fatal("serve exited before listening")
					}
					if m["msg"] == "opsloop serving" {
						addr, _ = m["http"].(string)
					}
				case <-timeout:
					t.Fatal("serve did not log its address")
				}
			}
			resp, err := http.Get("http://" + addr + "/healthz")
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("healthz: %v %v", resp, err)
			}
			resp.Body.Close()
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			var msgs []string
			for m := range lines {
				msgs = append(msgs, m["msg"].(string))
			}
			if err := cmd.Wait(); err != nil {
				t.Fatalf("exit: %v (log: %v)", err, msgs)
			}
			if got := strings.Join(msgs, "|"); !strings.Contains(got, "shutting down|") || !strings.HasSuffix(got, "stopped") {
				t.Fatalf("shutdown log: %v", msgs)
			}
			if _, err := os.Stat(filepath.Join(dir, "data", "opsloop.db")); err != nil {
				t.Fatalf("state file: %v", err)
			}
		})
	}
}
