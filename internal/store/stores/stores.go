// Package stores opens the [store.Store] backend that a spec names. It is
// the one place that knows every backend, so that the rest of opsloop
// depends on package store only and internal/app wires the backend in.
//
// Specs:
//
//	"" or "sqlite"            SQLite file <dataDir>/opsloop.db (the default)
//	"sqlite:relative/x.db"    SQLite file at that path, relative to the working directory
//	"sqlite:///abs/x.db"      SQLite file at that absolute path
//	"postgres://..."          PostgreSQL at that URL (also "postgresql://...")
package stores

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/opsloop/opsloop/internal/store"
	"github.com/opsloop/opsloop/internal/store/postgres"
	"github.com/opsloop/opsloop/internal/store/sqlite"
)

// DefaultFile is the name of the SQLite file in the data directory when
// the spec is "" or "sqlite".
const DefaultFile = "opsloop.db"

// Open opens the store that spec names (see the package documentation);
// dataDir is the data directory, used by the default spec. Errors about
// the spec wrap [store.ErrInvalidArgument] and say what is wrong with it;
// they never show a password the spec holds.
func Open(ctx context.Context, spec, dataDir string) (store.Store, error) {
	kind, target, err := parseSpec(spec, dataDir)
	if err != nil {
		return nil, err
	}
	// Return a nil interface, not a nil *DB in one, on error.
	if kind == postgres.Kind {
		db, err := postgres.Open(ctx, target)
		if err != nil {
			return nil, err
		}
		return db, nil
	}
	db, err := sqlite.Open(ctx, target)
	if err != nil {
		return nil, err
	}
	return db, nil
}

// parseSpec returns the backend that spec names and its target: a file
// path for SQLite, the URL for PostgreSQL.
func parseSpec(spec, dataDir string) (kind, target string, err error) {
	switch {
	case spec == "" || spec == "sqlite":
		if dataDir == "" {
			return "", "", fmt.Errorf("store: spec %q: %w: the data directory is empty; set it or name a file with sqlite:PATH", spec, store.ErrInvalidArgument)
		}
		return sqlite.Kind, filepath.Join(dataDir, DefaultFile), nil
	case strings.HasPrefix(spec, "sqlite:"):
		path := strings.TrimPrefix(spec, "sqlite:")
		if rest, ok := strings.CutPrefix(path, "//"); ok {
			if !strings.HasPrefix(rest, "/") {
				return "", "", fmt.Errorf("store: spec %q: %w: a sqlite:// spec has no host; write sqlite:///absolute/path or sqlite:relative/path", spec, store.ErrInvalidArgument)
			}
			path = rest
		}
		switch {
		case path == "":
			return "", "", fmt.Errorf("store: spec %q: %w: no file after \"sqlite:\"; write sqlite:///absolute/path or sqlite:relative/path", spec, store.ErrInvalidArgument)
		case strings.ContainsAny(path, "?#"):
			return "", "", fmt.Errorf("store: spec %q: %w: sqlite specs take no query parameters or fragments", spec, store.ErrInvalidArgument)
		case strings.HasSuffix(path, "/"):
			return "", "", fmt.Errorf("store: spec %q: %w: the path names a directory; name the database file", spec, store.ErrInvalidArgument)
		}
		return sqlite.Kind, filepath.FromSlash(path), nil
	case strings.HasPrefix(spec, "postgres://") || strings.HasPrefix(spec, "postgresql://"):
		return postgres.Kind, spec, nil
	}
	return "", "", fmt.Errorf("store: spec %q: %w: want \"sqlite\", \"sqlite:PATH\", \"sqlite:///ABSOLUTE/PATH\", \"postgres://...\" or \"postgresql://...\"", redact(spec), store.ErrInvalidArgument)
}

// redact returns spec with any password in it masked, for messages.
func redact(spec string) string {
	if u, err := url.Parse(spec); err == nil && u.Scheme != "" && u.Opaque == "" {
		return u.Redacted()
	}
	if strings.ContainsAny(spec, "@=") { // user info or key=value pairs: may hold a password
		if i := strings.IndexByte(spec, ':'); i > 0 {
			return spec[:i] + ":..."
		}
		return "..."
	}
	return spec
}
