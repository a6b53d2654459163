package config

import "testing"

// FuzzParse feeds arbitrary bytes to Parse: it must never panic, and what
// it accepts must validate.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"", "http: {addr: '127.0.0.1:7400'}\n", "auth: {tokens: [{name: a, role: admin, env: X}]}\n",
		"store: {url: 'postgres://x@y/z', lease_ttl: 5s}\n", "a: &a [*a]\n", "{}\n---\n{}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err != nil {
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("Parse accepted a config that does not validate: %v", err)
		}
	})
}
