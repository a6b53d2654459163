package metrics

import (
	"testing"
	"time"
)

// FuzzParseRange checks that query_range's parameter parsing never panics
// and that whatever it accepts is a range the engine can run within
// Prometheus's limits.
func FuzzParseRange(f *testing.F) {
	seeds := [][3]string{
		{"0", "60", "15"},
		{"1700000000.123", "1700003600", "15s"},
		{"2026-11-24T10:00:00Z", "2026-11-24T11:00:00.5+01:00", "1m"},
		{minTimeFormatted, maxTimeFormatted, "1y"},
		{"-1e12", "1e12", "1e-9"},
		{"NaN", "Inf", "-Inf"},
		{"0", "11000", "1"},
		{"", "", ""},
		{"1.7976931348623157e308", "0x10", "9223372036.854775807"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, start, end, step string) {
		p, err := parseRange(start, end, step)
		if err != nil {
			return
		}
		if p.end.Before(p.start) {
			t.Fatalf("end %v before start %v", p.end, p.start)
		}
		if p.step <= 0 {
			t.Fatalf("step %v", p.step)
		}
		if p.end.Sub(p.start)/p.step > maxPointsPerSeries {
			t.Fatalf("%v/%v is more than %d points", p.end.Sub(p.start), p.step, maxPointsPerSeries)
		}
		// Whatever parses as a time keeps milliseconds only when it was
		// given as unix seconds.
		if st, err := parseTime(start); err != nil || !st.Equal(p.start) {
			t.Fatalf("parseTime(%q) = %v, %v; parseRange said %v", start, st, err, p.start)
		}
		if _, err := parseDuration(step); err != nil {
			t.Fatalf("parseDuration(%q) failed after parseRange accepted it: %v", step, err)
		}
		_ = p.start.Add(p.step).Sub(time.Time{})
	})
}
