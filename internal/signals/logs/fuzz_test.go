package logs

import (
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
)

// FuzzAdd decodes arbitrary bytes as an OTLP logs export request and adds
// whatever decodes: nothing may panic, every record is either stored,
// evicted or rejected exactly once, and the store's indexes, byte count
// and budget stay consistent.
func FuzzAdd(f *testing.F) {
	seed := func(ld plog.Logs) {
		b, err := plogotlp.NewExportRequestFromLogs(ld).MarshalProto()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	seed(makeLogs(f,
		spec{Service: "a", Time: t0, Severity: plog.SeverityNumberError, Body: "boom", Trace: 1, Span: 1,
			Attrs: map[string]any{"n": 1, "list": []any{1, "x"}}},
		spec{Service: "b", Observed: t0, Body: map[string]any{"k": "v"}},
		spec{Time: t0.Add(-48 * time.Hour), Body: "old"},
	))
	seed(makeLogs(f, spec{Service: "empty", Time: t0}))
	seed(plog.NewLogs())
	f.Add([]byte{})
	f.Add([]byte{0x0a, 0x02, 0x0a, 0x00})

	f.Fuzz(func(t *testing.T, data []byte) {
		req := plogotlp.NewExportRequest()
		if err := req.UnmarshalProto(data); err != nil {
			return
		}
		ld := req.Logs()
		n := int64(ld.LogRecordCount())
		s := New(Options{MaxBytes: 16 << 10, MaxAge: 24 * time.Hour, Now: func() time.Time { return t0 }})
		for round := int64(1); round <= 2; round++ { // no identity: the second Add stores them again
			rejected, msg := s.Add(ld)
			if rejected < 0 || rejected > n || (rejected > 0) != (msg != "") {
				t.Fatalf("Add = %d, %q for %d records", rejected, msg, n)
			}
			if err := s.check(); err != nil {
				t.Fatal(err)
			}
			if st := s.Stats(); int64(st.Records)+st.Evicted+st.Rejected != round*n {
				t.Fatalf("Stats %+v do not account for the %d records added", st, round*n)
			}
		}
		got, err := s.Search(Query{Limit: MaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		if st := s.Stats(); len(got) != min(st.Records, MaxLimit) {
			t.Fatalf("search found %d records, Stats %+v", len(got), st)
		}
		for i, r := range got {
			if len(r.Body) > MaxBody || len(r.Attributes) > MaxAttributes {
				t.Fatalf("record %d over the limits: %d byte body, %d attributes", i, len(r.Body), len(r.Attributes))
			}
			if i > 0 && r.Time.After(got[i-1].Time) {
				t.Fatalf("record %d newer than record %d", i, i-1)
			}
		}
		s.Sweep()
		if err := s.check(); err != nil {
			t.Fatal(err)
		}
	})
}
