// Package attr flattens OpenTelemetry attributes into bounded string
// maps, the form the span and log stores keep and the API returns.
package attr

import (
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// Flatten adds the attributes of m to dst as strings, keeping keys already
// there (so the first map flattened wins), stopping at max entries and
// cutting values to maxValue bytes.
func Flatten(dst map[string]string, m pcommon.Map, max, maxValue int) {
	for k, v := range m.All() {
		if len(dst) >= max {
			return
		}
		if _, ok := dst[k]; ok {
			continue
		}
		dst[k] = Truncate(v.AsString(), maxValue)
	}
}

// Truncate cuts s to at most n bytes without splitting a UTF-8 sequence.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i]
}
