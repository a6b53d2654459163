package logs

import (
	"fmt"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/opsloop/opsloop/internal/signals/attr"
)

// Limits on what is kept of each record.
const (
	// MaxBody is the most bytes kept of a body (cut at a UTF-8 boundary);
	// a record whose body was cut has the attribute TruncatedAttribute
	// set to "true".
	MaxBody = 16 << 10
	// MaxAttributes is the most attributes kept per record: the
	// TruncatedAttribute marker first, then record attributes, then
	// resource attributes.
	MaxAttributes = 64
	// MaxAttributeValue is the most bytes kept of an attribute value
	// (cut at a UTF-8 boundary).
	MaxAttributeValue = 1024
)

// TruncatedAttribute is the attribute set to "true" on a record whose
// body was longer than MaxBody and was cut.
const TruncatedAttribute = "opsloop.truncated"

// UnknownService is the service of a record whose resource has no
// service.name attribute.
const UnknownService = "unknown_service"

// recordOverhead estimates the bytes a stored record costs besides its
// strings: the Record and entry structs, the heap slot, and the attribute
// map's header.
const recordOverhead = 320

// attrOverhead estimates the bytes each attribute costs besides its key
// and value (map slot and string headers).
const attrOverhead = 48

// Record is one stored log record, flattened from OTLP.
type Record struct {
	// Time is the record's Timestamp, or its ObservedTimestamp when
	// Timestamp is zero, or the time Add received it when both are zero.
	Time time.Time `json:"time"`
	// Service is the resource's service.name, or UnknownService.
	Service string `json:"service"`
	// Severity is the OTLP severity number as sent: 1 (TRACE) to 24
	// (FATAL4), 0 when unspecified.
	Severity int `json:"severity"`
	// SeverityText is the severity as the source named it, if it did.
	SeverityText string `json:"severity_text"`
	// Body is the body as a string: a string body as is, any other
	// value as pdata's Value.AsString renders it (JSON for maps and
	// slices); at most MaxBody bytes.
	Body string `json:"body"`
	// TraceID and SpanID are lowercase hex, empty when the record is not
	// tied to a trace or span.
	TraceID string `json:"trace_id"`
	SpanID  string `json:"span_id"`
	// Attributes are the record's and its resource's attributes as
	// strings, at most MaxAttributes entries with values cut at
	// MaxAttributeValue bytes; a record attribute wins over a resource
	// attribute of the same key. Nil when there are none.
	Attributes map[string]string `json:"attributes"`
}

// convert flattens the valid records of ld into entries and counts the
// invalid ones, describing the first. received is the time of records
// that carry no timestamp at all.
func convert(ld plog.Logs, received time.Time) (batch []*entry, rejected int64, message string) {
	batch = make([]*entry, 0, ld.LogRecordCount())
	n := 0 // position of the record in ld, for messages
	rls := ld.ResourceLogs()
	for i := range rls.Len() {
		rl := rls.At(i)
		res := rl.Resource().Attributes()
		service := UnknownService
		if v, ok := res.Get("service.name"); ok && v.AsString() != "" {
			service = v.AsString()
		}
		sls := rl.ScopeLogs()
		for j := range sls.Len() {
			lrs := sls.At(j).LogRecords()
			for k := range lrs.Len() {
				lr := lrs.At(k)
				if isEmpty(lr.Body()) && lr.Attributes().Len() == 0 {
					if rejected == 0 {
						message = fmt.Sprintf("log record %d (service %q): has neither a body nor attributes",
							n, attr.Truncate(service, 128))
					}
					rejected++
				} else {
					batch = append(batch, newEntry(lr, service, res, received))
				}
				n++
			}
		}
	}
	return batch, rejected, message
}

// isEmpty reports whether a body is missing or an empty string.
func isEmpty(v pcommon.Value) bool {
	switch v.Type() {
	case pcommon.ValueTypeEmpty:
		return true
	case pcommon.ValueTypeStr:
		return v.Str() == ""
	}
	return false
}

func newEntry(lr plog.LogRecord, service string, res pcommon.Map, received time.Time) *entry {
	ts := lr.Timestamp()
	if ts == 0 {
		ts = lr.ObservedTimestamp()
	}
	t := received
	if ts != 0 {
		t = ts.AsTime()
	}
	e := &entry{time: t.UnixNano()}
	e.rec = Record{
		Time:         t,
		Service:      service,
		Severity:     int(lr.SeverityNumber()),
		SeverityText: lr.SeverityText(),
	}
	body := lr.Body()
	if body.Type() == pcommon.ValueTypeStr {
		e.rec.Body = body.Str()
	} else if !isEmpty(body) {
		e.rec.Body = body.AsString()
	}
	if id := lr.TraceID(); !id.IsEmpty() {
		e.rec.TraceID = id.String()
	}
	if id := lr.SpanID(); !id.IsEmpty() {
		e.rec.SpanID = id.String()
	}

	attrs := make(map[string]string, min(lr.Attributes().Len()+res.Len()+1, MaxAttributes))
	if len(e.rec.Body) > MaxBody {
		e.rec.Body = attr.Truncate(e.rec.Body, MaxBody)
		attrs[TruncatedAttribute] = "true"
	}
	attr.Flatten(attrs, lr.Attributes(), MaxAttributes, MaxAttributeValue)
	attr.Flatten(attrs, res, MaxAttributes, MaxAttributeValue)
	if len(attrs) > 0 {
		e.rec.Attributes = attrs
	}

	size := int64(recordOverhead + len(e.rec.Service) + len(e.rec.SeverityText) +
		len(e.rec.Body) + len(e.rec.TraceID) + len(e.rec.SpanID))
	for k, v := range attrs {
		size += int64(attrOverhead + len(k) + len(v))
	}
	e.size = size
	return e
}
