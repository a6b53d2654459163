package app

import (
	"context"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opsloop/opsloop/internal/config"
)

// start runs Run in the background and returns its address and a stop
// function that cancels it and returns Run's result.
func start(t *testing.T, cfg config.Config, env map[string]string) (string, func() error) {
	a, stop := startAll(t, cfg, env)
	return a.HTTP, stop
}

// startAll is start returning every bound address.
func startAll(t *testing.T, cfg config.Config, env map[string]string) (Addrs, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addrs := make(chan Addrs, 1)
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Options{Config: cfg, Version: "test", Getenv: func(k string) string { return env[k] },
			OnListening: func(a Addrs) { addrs <- a }})
	}()
	select {
	case a := <-addrs:
		return a, func() error {
			cancel()
			select {
			case err := <-done:
				return err
			case <-time.After(cfg.ShutdownTimeout + 5*time.Second):
				t.Fatal("Run did not return after its context was cancelled")
				return nil
			}
		}
	case err := <-done:
		cancel()
		t.Fatalf("Run returned before listening: %v", err)
	case <-time.After(20 * time.Second):
		cancel()
		t.Fatal("Run did not start listening")
	}
	return Addrs{}, nil
}

func testConfig(t *testing.T) config.Config {
	cfg := config.Default()
	cfg.DataDir = filepath.Join(t.TempDir(), "data")
	cfg.HTTP.Addr = "127.0.0.1:0"
	cfg.OTLP.GRPCAddr = "127.0.0.1:0"
	cfg.OTLP.HTTPAddr = "127.0.0.1:0"
	cfg.ShutdownTimeout = 5 * time.Second
	cfg.Store.LeaseTTL = time.Second
	return cfg
}

func get(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestRun_ServesAndStops(t *testing.T) {
	cfg := testConfig(t)
	addr, stop := start(t, cfg, nil)
	if code, body := get(t, "http://"+addr+"/readyz", ""); code != 200 {
		t.Fatalf("readyz: %d %s", code, body)
	}
	// The single replica becomes leader within a renewal period.
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, body := get(t, "http://"+addr+"/api/v1/status", "")
		if strings.Contains(body, `"leader": true`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("never became leader: %s", body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, body := get(t, "http://"+addr+"/metrics", ""); !strings.Contains(body, "opsloop_leader 1") || !strings.Contains(body, `opsloop_build_info{goversion=`) {
		t.Fatalf("metrics: %s", body)
	}
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
		t.Fatal("still serving after shutdown")
	}
	// The state survives: a second run on the same data directory opens it.
	cfg.HTTP.Addr = "127.0.0.1:0"
	_, stop = start(t, cfg, nil)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

func TestRun_RefusesOpenNonLoopback(t *testing.T) {
	cfg := testConfig(t)
	cfg.HTTP.Addr = "0.0.0.0:0"
	err := Run(context.Background(), Options{Config: cfg, Getenv: func(string) string { return "" }})
	if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "without any API token") {
		t.Fatalf("Run = %v", err)
	}
	// With a token it starts, and the API wants the token.
	addr, stop := start(t, cfg, map[string]string{"OPSLOOP_TOKENS": "ops:admin:s3cret"})
	port := addr[strings.LastIndex(addr, ":"):]
	if code, _ := get(t, "http://127.0.0.1"+port+"/api/v1/status", ""); code != 401 {
		t.Fatalf("status without token: %d", code)
	}
	if code, _ := get(t, "http://127.0.0.1"+port+"/api/v1/status", "s3cret"); code != 200 {
		t.Fatalf("status with token: %d", code)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

func TestRun_BadStore(t *testing.T) {
	cfg := testConfig(t)
	cfg.Store.URL = "postgres://nobody@127.0.0.1:1/none?connect_timeout=2"
	err := Run(context.Background(), Options{Config: cfg})
	if err == nil || !strings.Contains(err.Error(), "state store") {
		t.Fatalf("Run = %v", err)
	}
}
