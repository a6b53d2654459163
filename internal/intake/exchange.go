package intake

import (
	"context"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
)

// exchange is one decoded export request on its way to the sink, with
// the response it will get: the part the transports share.
type exchange struct {
	items   int64 // spans, data points or log records
	size    int64 // encoded size, for admission
	consume func(context.Context) (Result, error)
	partial func(Result) // sets partial_success on the response
	marshal func(json bool) ([]byte, error)
}

type unmarshaler interface {
	UnmarshalProto([]byte) error
	UnmarshalJSON([]byte) error
}

func unmarshal(u unmarshaler, body []byte, json bool) error {
	if json {
		return u.UnmarshalJSON(body)
	}
	return u.UnmarshalProto(body)
}

type marshaler interface {
	MarshalProto() ([]byte, error)
	MarshalJSON() ([]byte, error)
}

func marshal(m marshaler, json bool) ([]byte, error) {
	if json {
		return m.MarshalJSON()
	}
	return m.MarshalProto()
}

// decode reads an OTLP/HTTP body for sig.
func (r *Receiver) decode(sig signal, body []byte, json bool) (*exchange, error) {
	switch sig {
	case sigTraces:
		req := ptraceotlp.NewExportRequest()
		if err := unmarshal(req, body, json); err != nil {
			return nil, err
		}
		ex, _ := r.traces(req.Traces())
		return ex, nil
	case sigMetrics:
		req := pmetricotlp.NewExportRequest()
		if err := unmarshal(req, body, json); err != nil {
			return nil, err
		}
		ex, _ := r.metrics(req.Metrics())
		return ex, nil
	default:
		req := plogotlp.NewExportRequest()
		if err := unmarshal(req, body, json); err != nil {
			return nil, err
		}
		ex, _ := r.logs(req.Logs())
		return ex, nil
	}
}

func (r *Receiver) traces(td ptrace.Traces) (*exchange, ptraceotlp.ExportResponse) {
	resp := ptraceotlp.NewExportResponse()
	return &exchange{
		items:   int64(td.SpanCount()),
		size:    int64((&ptrace.ProtoMarshaler{}).TracesSize(td)),
		consume: func(ctx context.Context) (Result, error) { return r.opts.Sink.Traces(ctx, td) },
		partial: func(res Result) {
			ps := resp.PartialSuccess()
			ps.SetRejectedSpans(res.Rejected)
			ps.SetErrorMessage(res.Message)
		},
		marshal: func(json bool) ([]byte, error) { return marshal(resp, json) },
	}, resp
}

func (r *Receiver) metrics(md pmetric.Metrics) (*exchange, pmetricotlp.ExportResponse) {
	resp := pmetricotlp.NewExportResponse()
	return &exchange{
		items:   int64(md.DataPointCount()),
		size:    int64((&pmetric.ProtoMarshaler{}).MetricsSize(md)),
		consume: func(ctx context.Context) (Result, error) { return r.opts.Sink.Metrics(ctx, md) },
		partial: func(res Result) {
			ps := resp.PartialSuccess()
			ps.SetRejectedDataPoints(res.Rejected)
			ps.SetErrorMessage(res.Message)
		},
		marshal: func(json bool) ([]byte, error) { return marshal(resp, json) },
	}, resp
}

func (r *Receiver) logs(ld plog.Logs) (*exchange, plogotlp.ExportResponse) {
	resp := plogotlp.NewExportResponse()
	return &exchange{
		items:   int64(ld.LogRecordCount()),
		size:    int64((&plog.ProtoMarshaler{}).LogsSize(ld)),
		consume: func(ctx context.Context) (Result, error) { return r.opts.Sink.Logs(ctx, ld) },
		partial: func(res Result) {
			ps := resp.PartialSuccess()
			ps.SetRejectedLogRecords(res.Rejected)
			ps.SetErrorMessage(res.Message)
		},
		marshal: func(json bool) ([]byte, error) { return marshal(resp, json) },
	}, resp
}
