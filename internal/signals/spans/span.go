package spans

import (
	"fmt"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/opsloop/opsloop/internal/signals/attr"
)

// Limits on the attributes kept with each span.
const (
	// MaxAttributes is the most attributes kept per span; span attributes
	// come first, then resource attributes.
	MaxAttributes = 64
	// MaxAttributeValue is the most bytes kept of an attribute value
	// (cut at a UTF-8 boundary).
	MaxAttributeValue = 1024
)

// UnknownService is the service of a span whose resource has no
// service.name attribute.
const UnknownService = "unknown_service"

// spanOverhead estimates the bytes a stored span costs besides its
// strings: the Span and entry structs, the index map entries, the heap
// and trace slots, and the attribute map's header.
const spanOverhead = 512

// attrOverhead estimates the bytes each attribute costs besides its key
// and value (map slot and string headers).
const attrOverhead = 48

// Span is one stored span, flattened from OTLP.
type Span struct {
	// TraceID, SpanID and ParentSpanID are lowercase hex; ParentSpanID is
	// empty for a root span.
	TraceID      string `json:"trace_id"`
	SpanID       string `json:"span_id"`
	ParentSpanID string `json:"parent_span_id"`
	// Service is the resource's service.name, or UnknownService.
	Service string `json:"service"`
	// Name is the span's operation name.
	Name string `json:"name"`
	// Kind is "server", "client", "internal", "producer", "consumer" or
	// "unspecified".
	Kind string `json:"kind"`
	// Start and End are the span's start and end times.
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// Status is "unset", "ok" or "error".
	Status string `json:"status"`
	// StatusMessage is the status description, if any.
	StatusMessage string `json:"status_message"`
	// Attributes are the span's and its resource's attributes as strings,
	// at most MaxAttributes entries with values cut at MaxAttributeValue
	// bytes; a span attribute wins over a resource attribute of the same
	// key.
	Attributes map[string]string `json:"attributes"`
}

// Duration is End minus Start.
func (s Span) Duration() time.Duration { return s.End.Sub(s.Start) }

// Kind and status names.
const (
	KindServer      = "server"
	KindClient      = "client"
	KindInternal    = "internal"
	KindProducer    = "producer"
	KindConsumer    = "consumer"
	KindUnspecified = "unspecified"

	StatusUnset = "unset"
	StatusOK    = "ok"
	StatusError = "error"
)

func kindName(k ptrace.SpanKind) string {
	switch k {
	case ptrace.SpanKindServer:
		return KindServer
	case ptrace.SpanKindClient:
		return KindClient
	case ptrace.SpanKindInternal:
		return KindInternal
	case ptrace.SpanKindProducer:
		return KindProducer
	case ptrace.SpanKindConsumer:
		return KindConsumer
	}
	return KindUnspecified
}

func statusName(c ptrace.StatusCode) string {
	switch c {
	case ptrace.StatusCodeOk:
		return StatusOK
	case ptrace.StatusCodeError:
		return StatusError
	}
	return StatusUnset
}

// convert flattens the valid spans of td into entries and counts the
// invalid ones, describing the first.
func convert(td ptrace.Traces) (batch []*entry, rejected int64, message string) {
	batch = make([]*entry, 0, td.SpanCount())
	reject := func(sp ptrace.Span, why string) {
		if rejected == 0 {
			message = fmt.Sprintf("span %q: %s", attr.Truncate(sp.Name(), 128), why)
		}
		rejected++
	}
	rss := td.ResourceSpans()
	for i := range rss.Len() {
		rs := rss.At(i)
		res := rs.Resource().Attributes()
		service := UnknownService
		if v, ok := res.Get("service.name"); ok && v.AsString() != "" {
			service = v.AsString()
		}
		sss := rs.ScopeSpans()
		for j := range sss.Len() {
			ss := sss.At(j).Spans()
			for k := range ss.Len() {
				sp := ss.At(k)
				switch {
				case sp.TraceID().IsEmpty():
					reject(sp, "trace ID is all zero")
					continue
				case sp.SpanID().IsEmpty():
					reject(sp, "span ID is all zero")
					continue
				case sp.EndTimestamp() < sp.StartTimestamp():
					reject(sp, "end time is before start time")
					continue
				}
				batch = append(batch, newEntry(sp, service, res))
			}
		}
	}
	return batch, rejected, message
}

func newEntry(sp ptrace.Span, service string, res pcommon.Map) *entry {
	e := &entry{
		key:    spanKey{trace: traceKey(sp.TraceID()), span: sp.SpanID()},
		parent: sp.ParentSpanID(),
		start:  int64(sp.StartTimestamp()),
		end:    int64(sp.EndTimestamp()),
	}
	e.span = Span{
		TraceID:       sp.TraceID().String(),
		SpanID:        sp.SpanID().String(),
		Service:       service,
		Name:          sp.Name(),
		Kind:          kindName(sp.Kind()),
		Start:         sp.StartTimestamp().AsTime(),
		End:           sp.EndTimestamp().AsTime(),
		Status:        statusName(sp.Status().Code()),
		StatusMessage: sp.Status().Message(),
	}
	if p := sp.ParentSpanID(); !p.IsEmpty() {
		e.span.ParentSpanID = p.String()
	}
	attrs := make(map[string]string, min(sp.Attributes().Len()+res.Len(), MaxAttributes))
	attr.Flatten(attrs, sp.Attributes(), MaxAttributes, MaxAttributeValue)
	attr.Flatten(attrs, res, MaxAttributes, MaxAttributeValue)
	if len(attrs) > 0 {
		e.span.Attributes = attrs
	}

	size := int64(spanOverhead + len(e.span.TraceID) + len(e.span.SpanID) +
		len(e.span.ParentSpanID) + len(e.span.Service) + len(e.span.Name) +
		len(e.span.StatusMessage))
	for k, v := range attrs {
		size += int64(attrOverhead + len(k) + len(v))
	}
	e.size = size
	return e
}
