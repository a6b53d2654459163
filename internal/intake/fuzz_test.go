package intake

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
)

// FuzzHTTP sends arbitrary bodies to every OTLP/HTTP endpoint in both
// encodings: no input may panic, and each is answered 200, 400 or 413.
func FuzzHTTP(f *testing.F) {
	f.Add([]byte(tracesJSON), true, uint8(0))
	f.Add([]byte(`{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"x","gauge":{"dataPoints":[{"asDouble":1}]}}]}]}]}`), true, uint8(1))
	f.Add([]byte(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"x"}}]}]}]}`), true, uint8(2))
	f.Add([]byte{0x0a, 0x02, 0x0a, 0x00}, false, uint8(0))
	h := New(Options{Sink: &memSink{}, MaxRequestBytes: 1 << 16}).Handler()
	paths := []string{"/v1/traces", "/v1/metrics", "/v1/logs"}
	f.Fuzz(func(t *testing.T, body []byte, json bool, which uint8) {
		ctype := "application/x-protobuf"
		if json {
			ctype = "application/json"
		}
		req := httptest.NewRequest("POST", paths[int(which)%3], bytes.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		switch w.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("status %d: %s", w.Code, w.Body.Bytes())
		}
	})
}
