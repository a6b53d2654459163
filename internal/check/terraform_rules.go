package check

import (
	"strconv"
	"strings"

	"github.com/opsloop/opsloop/internal/check/tree"
)

// tfFormats are the formats every Terraform rule reads.
var tfFormats = []Format{FormatTerraform, FormatTerraformPlan}

// tfNotTrue decides whether a boolean setting that should be true is not:
// known false (reported at the value) or absent (reported at missingAt,
// usually the enclosing block). An unknown value is never reported.
func tfNotTrue(v *TFValue, missingAt tree.Position) (tree.Position, bool) {
	switch {
	case v.Unknown():
		return tree.Position{}, false
	case !v.Exists():
		return missingAt, true
	case v.False():
		return v.Pos(), true
	}
	return tree.Position{}, false
}

// tfOpenCIDR reports whether a source range means the whole internet.
func tfOpenCIDR(s string) bool {
	switch strings.TrimSpace(s) {
	case "0.0.0.0/0", "::/0", "0::/0", "::0/0":
		return true
	}
	return false
}

// tfAdminExposure describes which administrative ports (SSH, RDP) or whether
// all ports fall in lo..hi; "" when none do.
func tfAdminExposure(lo, hi int64) string {
	if lo > hi {
		lo, hi = hi, lo
	}
	if lo <= 1 && hi >= 65535 {
		return "all ports"
	}
	var parts []string
	if lo <= 22 && 22 <= hi {
		parts = append(parts, "port 22 (SSH)")
	}
	if lo <= 3389 && 3389 <= hi {
		parts = append(parts, "port 3389 (RDP)")
	}
	return strings.Join(parts, " and ")
}

// tfPortRange parses "22", "1000-2000" or "*" (all ports).
func tfPortRange(s string) (lo, hi int64, ok bool) {
	s = strings.TrimSpace(s)
	if s == "*" {
		return 0, 65535, true
	}
	a, b, isRange := strings.Cut(s, "-")
	lo, err := strconv.ParseInt(strings.TrimSpace(a), 10, 32)
	if err != nil {
		return 0, 0, false
	}
	if !isRange {
		return lo, lo, true
	}
	hi, err = strconv.ParseInt(strings.TrimSpace(b), 10, 32)
	if err != nil {
		return 0, 0, false
	}
	return lo, hi, true
}

// tfDeepest returns the key position of the last present value, for
// findings about something missing inside nested blocks.
func tfDeepest(fallback tree.Position, vs ...*TFValue) tree.Position {
	at := fallback
	for _, v := range vs {
		if !v.Exists() {
			break
		}
		at = v.KeyPos()
	}
	return at
}

// tfStrIn reports whether v is a known string equal, case-insensitively, to
// one of set.
func tfStrIn(v *TFValue, set ...string) bool {
	s, ok := v.Str()
	if !ok {
		return false
	}
	for _, x := range set {
		if strings.EqualFold(s, x) {
			return true
		}
	}
	return false
}
