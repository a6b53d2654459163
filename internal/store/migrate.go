package store

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Migration is one schema change of a backend, read from a file named
// NNNN_name.sql (NNNN the version, from 0001 up without gaps). Backends
// embed their migrations, record applied versions in a table
// schema_migrations(version INTEGER PRIMARY KEY, applied_at ...), and
// apply each pending migration in its own transaction when they open.
type Migration struct {
	// Version is the number the file name starts with.
	Version int
	// Name is the file name, for messages.
	Name string
	// SQL is the file's content: one or more statements.
	SQL string
}

// migrationName matches a migration file name and captures its version.
var migrationName = regexp.MustCompile(`^([0-9]{4,9})_[a-z0-9_]+\.sql$`)

// ParseMigrations reads the *.sql files in dir of fsys as migrations and
// returns them by version. It is an error when a file name does not have
// the form NNNN_name.sql (lower-case name), a file is empty, or the
// versions do not run 1, 2, 3, ... without gaps or duplicates. Like the
// other helpers for backends, it leaves the "store: " prefix of its
// errors to its caller.
func ParseMigrations(fsys fs.FS, dir string) ([]Migration, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.sql"))
	if err != nil {
		return nil, fmt.Errorf("migrations in %s: %w", dir, err)
	}
	var ms []Migration
	for _, p := range names {
		name := path.Base(p)
		m := migrationName.FindStringSubmatch(name)
		if m == nil {
			return nil, fmt.Errorf("migration %s: name is not NNNN_name.sql (digits, '_', lower-case letters, digits and '_')", p)
		}
		v, err := strconv.Atoi(m[1])
		if err != nil {
			return nil, fmt.Errorf("migration %s: version: %w", p, err)
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil, fmt.Errorf("migration %s: %w", p, err)
		}
		if strings.TrimSpace(string(b)) == "" {
			return nil, fmt.Errorf("migration %s is empty", p)
		}
		ms = append(ms, Migration{Version: v, Name: name, SQL: string(b)})
	}
	slices.SortFunc(ms, func(a, b Migration) int { return a.Version - b.Version })
	for i, m := range ms {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migration %s has version %d, want %d: versions run 1, 2, 3, ... without gaps or duplicates", m.Name, m.Version, i+1)
		}
	}
	if len(ms) == 0 {
		return nil, fmt.Errorf("no migrations in %s", dir)
	}
	return ms, nil
}

// PendingMigrations returns the migrations of known (as from
// [ParseMigrations]) whose versions are not in applied, oldest first. When
// applied holds a version newer than all of known, a newer binary has
// used the database, and the error wraps [ErrSchemaTooNew].
func PendingMigrations(known []Migration, applied []int) ([]Migration, error) {
	latest := 0
	if len(known) > 0 {
		latest = known[len(known)-1].Version
	}
	if len(applied) > 0 {
		if newest := slices.Max(applied); newest > latest {
			return nil, fmt.Errorf("%w: the database has schema version %d, this binary knows versions up to %d; run a newer opsloop or use another database", ErrSchemaTooNew, newest, latest)
		}
	}
	var pending []Migration
	for _, m := range known {
		if !slices.Contains(applied, m.Version) {
			pending = append(pending, m)
		}
	}
	return pending, nil
}
