package rego

import (
	"context"
	"maps"
	"path/filepath"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/storage"
)

// fileStore serves data.conftest.file ({"name": ..., "dir": ...}, the file
// being checked) from the evaluation's context, and everything else from
// the data store. Conftest writes that document into its store before each
// file; one prepared query shared by goroutines needs it per evaluation.
type fileStore struct {
	storage.Store
}

type fileKey struct{}

// withFile returns ctx carrying the conftest document for the file at path.
func withFile(ctx context.Context, path string) context.Context {
	abs, err := filepath.Abs(filepath.FromSlash(path))
	if err != nil {
		abs = path
	}
	return context.WithValue(ctx, fileKey{}, map[string]any{
		"file": map[string]any{"name": filepath.Base(abs), "dir": filepath.Dir(abs)},
	})
}

// Read implements storage.Store.
func (s fileStore) Read(ctx context.Context, txn storage.Transaction, path storage.Path) (any, error) {
	conftest, _ := ctx.Value(fileKey{}).(map[string]any)
	if conftest == nil || len(path) > 0 && path[0] != "conftest" {
		return s.Store.Read(ctx, txn, path)
	}
	if len(path) == 0 {
		v, err := s.Store.Read(ctx, txn, path)
		if err != nil {
			return nil, err
		}
		switch root := v.(type) {
		case map[string]any:
			cp := make(map[string]any, len(root)+1)
			maps.Copy(cp, root)
			cp["conftest"] = conftest
			return cp, nil
		case ast.Object:
			val, err := ast.InterfaceToValue(conftest)
			if err != nil {
				return nil, err
			}
			cp := root.Copy()
			cp.Insert(ast.StringTerm("conftest"), ast.NewTerm(val))
			return cp, nil
		}
		return v, nil
	}
	var v any = conftest
	for _, seg := range path[1:] {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, &storage.Error{Code: storage.NotFoundErr, Message: path.String() + ": document does not exist"}
		}
		if v, ok = m[seg]; !ok {
			return nil, &storage.Error{Code: storage.NotFoundErr, Message: path.String() + ": document does not exist"}
		}
	}
	return v, nil
}
