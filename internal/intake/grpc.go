package intake

import (
	"context"
	"errors"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	_ "google.golang.org/grpc/encoding/gzip" // accept gzip-compressed requests
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
)

// ServerOptions are the gRPC server options the receiver needs: the
// request size limit.
func (r *Receiver) ServerOptions() []grpc.ServerOption {
	opts := []grpc.ServerOption{grpc.MaxRecvMsgSize(int(r.opts.MaxRequestBytes))}
	if r.opts.Authenticate != nil {
		opts = append(opts, grpc.UnaryInterceptor(r.authenticate))
	}
	return opts
}

// authenticate checks the authorization metadata of a gRPC call.
func (r *Receiver) authenticate(ctx context.Context, req any, info *grpc.UnaryServerInfo, next grpc.UnaryHandler) (any, error) {
	var auth string
	if md, ok := metadata.FromIncomingContext(ctx); ok {
		if v := md.Get("authorization"); len(v) > 0 {
			auth = v[0]
		}
	}
	if err := r.opts.Authenticate(auth); err != nil {
		r.refuse(signalOf(info.FullMethod), "grpc", "unauthenticated", 0)
		return nil, status.Error(codes.Unauthenticated, err.Error())
	}
	return next(ctx, req)
}

// RegisterGRPC registers the OTLP trace, metrics and logs services on s.
func (r *Receiver) RegisterGRPC(s *grpc.Server) {
	ptraceotlp.RegisterGRPCServer(s, &tracesServer{r: r})
	pmetricotlp.RegisterGRPCServer(s, &metricsServer{r: r})
	plogotlp.RegisterGRPCServer(s, &logsServer{r: r})
}

type tracesServer struct {
	ptraceotlp.UnimplementedGRPCServer
	r *Receiver
}

func (s *tracesServer) Export(ctx context.Context, req ptraceotlp.ExportRequest) (ptraceotlp.ExportResponse, error) {
	ex, resp := s.r.traces(req.Traces())
	return resp, s.r.grpcExport(ctx, sigTraces, ex)
}

type metricsServer struct {
	pmetricotlp.UnimplementedGRPCServer
	r *Receiver
}

func (s *metricsServer) Export(ctx context.Context, req pmetricotlp.ExportRequest) (pmetricotlp.ExportResponse, error) {
	ex, resp := s.r.metrics(req.Metrics())
	return resp, s.r.grpcExport(ctx, sigMetrics, ex)
}

type logsServer struct {
	plogotlp.UnimplementedGRPCServer
	r *Receiver
}

func (s *logsServer) Export(ctx context.Context, req plogotlp.ExportRequest) (plogotlp.ExportResponse, error) {
	ex, resp := s.r.logs(req.Logs())
	return resp, s.r.grpcExport(ctx, sigLogs, ex)
}

// signalOf names the signal of a gRPC method such as
// /opentelemetry.proto.collector.trace.v1.TraceService/Export.
func signalOf(method string) signal {
	switch {
	case strings.Contains(method, ".metrics."):
		return sigMetrics
	case strings.Contains(method, ".logs."):
		return sigLogs
	}
	return sigTraces
}

// grpcExport admits, consumes and counts one request.
func (r *Receiver) grpcExport(ctx context.Context, sig signal, ex *exchange) error {
	start := time.Now()
	defer func() { r.latency.WithLabelValues(sig.name, "grpc").Observe(time.Since(start).Seconds()) }()
	release, ok := r.admit(ctx, ex.size)
	if !ok {
		r.refuse(sig, "grpc", "overloaded", ex.items)
		return r.retryStatus(codes.ResourceExhausted, "opsloop is at its in-flight limit; retry later")
	}
	defer release()
	res, err := ex.consume(ctx)
	switch {
	case errors.Is(err, ErrUnsupported):
		r.refuse(sig, "grpc", "unsupported", ex.items)
		return status.Errorf(codes.Unimplemented, "opsloop does not take OTLP %s yet: %v", sig.name, err)
	case errors.Is(err, ErrOverloaded):
		r.refuse(sig, "grpc", "overloaded", ex.items)
		return r.retryStatus(codes.ResourceExhausted, "the store is overloaded; retry later")
	case err != nil:
		r.opts.Logger.WarnContext(ctx, "intake: sink failed", "signal", sig.name, "err", err)
		r.refuse(sig, "grpc", "unavailable", ex.items)
		return r.retryStatus(codes.Unavailable, "the store could not take the data; retry later")
	}
	r.count(sig, "grpc", ex.items, res)
	if res.Rejected > 0 || res.Message != "" {
		ex.partial(res)
	}
	return nil
}

// retryStatus is a gRPC error with RetryInfo: OTLP exporters retry
// RESOURCE_EXHAUSTED only when it carries one.
func (r *Receiver) retryStatus(code codes.Code, msg string) error {
	st, err := status.New(code, msg).WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(r.opts.RetryAfter)})
	if err != nil {
		return status.Error(code, msg)
	}
	return st.Err()
}
