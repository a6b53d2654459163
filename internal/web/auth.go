package web

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/opsloop/opsloop/internal/config"
)

// Principal is who made a request.
type Principal struct {
	Name string `json:"name"`
	Role string `json:"role"`
}

// Anonymous is the principal of every request when no token is configured:
// a loopback-only development setup (see [config.Loopback]).
var Anonymous = Principal{Name: "anonymous", Role: "admin"}

// EnvTokens is the environment variable that adds tokens without a
// config file: "name:role:secret" entries separated by commas.
const EnvTokens = "OPSLOOP_TOKENS"

// Authenticator maps bearer tokens to principals. It keeps only SHA-256
// hashes of the tokens; the secrets themselves are dropped once hashed.
type Authenticator struct {
	tokens []hashedToken
}

type hashedToken struct {
	sum       [sha256.Size]byte
	principal Principal
}

// NewAuthenticator hashes the configured tokens, reading those given by
// environment variable (and any in OPSLOOP_TOKENS) through getenv.
func NewAuthenticator(tokens []config.Token, getenv func(string) string) (*Authenticator, error) {
	a := &Authenticator{}
	seen := map[string]bool{}
	add := func(name, role string, sum [sha256.Size]byte) error {
		if seen[name] {
			return fmt.Errorf("token %q is defined twice", name)
		}
		if config.RoleRank(role) < 0 {
			return fmt.Errorf("token %q: %q is not a role (want one of %s)", name, role, strings.Join(config.Roles, ", "))
		}
		seen[name] = true
		a.tokens = append(a.tokens, hashedToken{sum: sum, principal: Principal{Name: name, Role: role}})
		return nil
	}
	for _, t := range tokens {
		var sum [sha256.Size]byte
		if t.SHA256 != "" {
			b, err := hex.DecodeString(t.SHA256)
			if err != nil || len(b) != sha256.Size {
				return nil, fmt.Errorf("token %q: sha256 must be 64 hexadecimal characters", t.Name)
			}
			copy(sum[:], b)
		} else {
			secret := getenv(t.Env)
			if secret == "" {
				return nil, fmt.Errorf("token %q: environment variable %s is empty or unset", t.Name, t.Env)
			}
			sum = sha256.Sum256([]byte(secret))
		}
		if err := add(t.Name, t.Role, sum); err != nil {
			return nil, err
		}
	}
	if env := getenv(EnvTokens); env != "" {
		for i, entry := range strings.Split(env, ",") {
			name, rest, ok1 := strings.Cut(strings.TrimSpace(entry), ":")
			role, secret, ok2 := strings.Cut(rest, ":")
			if !ok1 || !ok2 || name == "" || secret == "" {
				return nil, fmt.Errorf("%s: entry %d: want name:role:secret", EnvTokens, i+1)
			}
			if err := add(name, role, sha256.Sum256([]byte(secret))); err != nil {
				return nil, fmt.Errorf("%s: %w", EnvTokens, err)
			}
		}
	}
	return a, nil
}

// Open reports whether no token is configured, so that every request is
// [Anonymous].
func (a *Authenticator) Open() bool { return len(a.tokens) == 0 }

// HashToken returns the hex SHA-256 of a token, as opsloop.yaml stores it.
func HashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

var (
	errNoToken  = errors.New("this endpoint needs a bearer token: send Authorization: Bearer <token>")
	errBadToken = errors.New("the bearer token is not valid")
)

// Authenticate returns the principal of r.
func (a *Authenticator) Authenticate(r *http.Request) (Principal, error) {
	return a.AuthenticateHeader(r.Header.Get("Authorization"))
}

// AuthenticateHeader returns the principal of an Authorization header
// value (HTTP header or gRPC metadata).
func (a *Authenticator) AuthenticateHeader(h string) (Principal, error) {
	if a.Open() {
		return Anonymous, nil
	}
	scheme, secret, ok := strings.Cut(h, " ")
	if h == "" {
		return Principal{}, errNoToken
	}
	if !ok || !strings.EqualFold(scheme, "Bearer") || secret == "" {
		return Principal{}, errors.New("the Authorization header must be \"Bearer <token>\"")
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(secret)))
	// Compare with every token in constant time, so the time taken says
	// nothing about which one came close.
	var found *Principal
	for i := range a.tokens {
		if subtle.ConstantTimeCompare(sum[:], a.tokens[i].sum[:]) == 1 {
			found = &a.tokens[i].principal
		}
	}
	if found == nil {
		return Principal{}, errBadToken
	}
	return *found, nil
}

// Allows reports whether p's role is at least role.
func (p Principal) Allows(role string) bool {
	return config.RoleRank(p.Role) >= config.RoleRank(role) && config.RoleRank(role) >= 0
}
