package check

import (
	"bytes"

	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/opsloop/opsloop/internal/check/tree"
)

// DockerfileAST is a parsed Dockerfile.
type DockerfileAST struct {
	// Root's children are the instructions, each with StartLine and
	// EndLine.
	Root *parser.Node
}

// parseDockerfile parses with the BuildKit parser, which keeps lines.
func parseDockerfile(data []byte) (*DockerfileAST, error) {
	res, err := parser.Parse(bytes.NewReader(data))
	if err != nil {
		return nil, &tree.SyntaxError{Pos: tree.Position{Line: 1, Column: 1}, Msg: err.Error()}
	}
	return &DockerfileAST{Root: res.AST}, nil
}
