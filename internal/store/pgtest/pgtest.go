// Package pgtest gives tests a PostgreSQL database of their own.
package pgtest

import (
	"context"
	"crypto/rand"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// defaultTestURL is the server the tests use when OPSLOOP_TEST_POSTGRES is
// unset; they create a database of their own on it for each test.
const defaultTestURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// Database creates a database for the test on the server that
// OPSLOOP_TEST_POSTGRES names, drops it when the test ends, and returns
// its URL. It skips the test when OPSLOOP_TEST_POSTGRES is "off".
func Database(t testing.TB) string {
	t.Helper()
	admin := os.Getenv("OPSLOOP_TEST_POSTGRES")
	switch admin {
	case "off":
		t.Skip("OPSLOOP_TEST_POSTGRES=off: PostgreSQL tests skipped")
	case "":
		admin = defaultTestURL
	}
	u, err := url.Parse(admin)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("OPSLOOP_TEST_POSTGRES must be a postgres:// URL (or \"off\"); got an unusable value: %v", err)
	}
	name := "opsloop_test_" + strings.ToLower(rand.Text())
	ctx := t.Context()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("PostgreSQL at %s is not reachable: %v\n"+
			"These tests need a PostgreSQL server where they may create databases (CI starts one).\n"+
			"Start one (for example `pg_ctlcluster 15 main start`, or `docker run -d -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust postgres:15`),\n"+
			"point OPSLOOP_TEST_POSTGRES at another (a postgres:// URL), or set OPSLOOP_TEST_POSTGRES=off to skip them.",
			u.Redacted(), err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Errorf("drop test database %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}
