package intake

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"

	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// Handler serves OTLP/HTTP: POST /v1/traces, /v1/metrics and /v1/logs.
func (r *Receiver) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, sig := range []signal{sigTraces, sigMetrics, sigLogs} {
		mux.Handle(sig.path, r.httpHandler(sig))
	}
	return mux
}

var errTooLarge = errors.New("too large")

func (r *Receiver) httpHandler(sig signal) http.HandlerFunc {
	return func(w http.ResponseWriter, req *http.Request) {
		start := time.Now()
		defer func() { r.latency.WithLabelValues(sig.name, "http").Observe(time.Since(start).Seconds()) }()
		json := false
		mt, _, _ := mime.ParseMediaType(req.Header.Get("Content-Type"))
		if r.opts.Authenticate != nil {
			if err := r.opts.Authenticate(req.Header.Get("Authorization")); err != nil {
				r.refuse(sig, "http", "unauthenticated", 0)
				w.Header().Set("WWW-Authenticate", `Bearer realm="opsloop"`)
				httpError(w, mt == "application/json", http.StatusUnauthorized, codes.Unauthenticated, err.Error())
				return
			}
		}
		switch {
		case req.Method != http.MethodPost:
			w.Header().Set("Allow", http.MethodPost)
			r.refuse(sig, "http", "bad_request", 0)
			httpError(w, false, http.StatusMethodNotAllowed, codes.Unimplemented, "use POST")
			return
		case mt == "application/x-protobuf":
		case mt == "application/json":
			json = true
		default:
			r.refuse(sig, "http", "unsupported", 0)
			httpError(w, false, http.StatusUnsupportedMediaType, codes.InvalidArgument,
				fmt.Sprintf("Content-Type %q: want application/x-protobuf or application/json", req.Header.Get("Content-Type")))
			return
		}
		gz := false
		switch enc := req.Header.Get("Content-Encoding"); enc {
		case "", "identity":
		case "gzip":
			gz = true
		default:
			r.refuse(sig, "http", "unsupported", 0)
			httpError(w, json, http.StatusUnsupportedMediaType, codes.InvalidArgument, fmt.Sprintf("Content-Encoding %q: want gzip or none", enc))
			return
		}
		limit := r.opts.MaxRequestBytes
		if req.ContentLength > limit {
			r.refuse(sig, "http", "too_large", 0)
			httpError(w, json, http.StatusRequestEntityTooLarge, codes.InvalidArgument, fmt.Sprintf("request of %d bytes is over the limit of %d", req.ContentLength, limit))
			return
		}
		// Reserve what the body will take before reading it: its length,
		// or a guess for chunked or compressed bodies, topped up below
		// once the real size is known.
		reserve := req.ContentLength
		if reserve <= 0 || gz {
			reserve = min(limit, max(reserve*4, 1<<20))
		}
		release, ok := r.admit(req.Context(), reserve)
		if !ok {
			r.refuse(sig, "http", "overloaded", 0)
			r.retryLater(w, json, http.StatusTooManyRequests, codes.ResourceExhausted, "opsloop is at its in-flight limit; retry later")
			return
		}
		defer func() { release() }()
		body, err := readBody(w, req, gz, limit)
		switch {
		case errors.Is(err, errTooLarge):
			r.refuse(sig, "http", "too_large", 0)
			httpError(w, json, http.StatusRequestEntityTooLarge, codes.InvalidArgument, fmt.Sprintf("request is over the limit of %d bytes (after decompression)", limit))
			return
		case err != nil:
			r.refuse(sig, "http", "bad_request", 0)
			httpError(w, json, http.StatusBadRequest, codes.InvalidArgument, "reading the request body: "+err.Error())
			return
		}
		if extra := int64(len(body)) - reserve; extra > 0 {
			more, ok := r.admit(req.Context(), extra)
			if !ok {
				r.refuse(sig, "http", "overloaded", 0)
				r.retryLater(w, json, http.StatusTooManyRequests, codes.ResourceExhausted, "opsloop is at its in-flight limit; retry later")
				return
			}
			first := release
			release = func() { more(); first() }
		}
		ex, err := r.decode(sig, body, json)
		if err != nil {
			r.refuse(sig, "http", "bad_request", 0)
			httpError(w, json, http.StatusBadRequest, codes.InvalidArgument, fmt.Sprintf("decoding the OTLP %s request: %v", sig.name, err))
			return
		}
		res, err := ex.consume(req.Context())
		switch {
		case errors.Is(err, ErrUnsupported):
			r.refuse(sig, "http", "unsupported", ex.items)
			httpError(w, json, http.StatusNotImplemented, codes.Unimplemented, fmt.Sprintf("opsloop does not take OTLP %s yet: %v", sig.name, err))
			return
		case errors.Is(err, ErrOverloaded):
			r.refuse(sig, "http", "overloaded", ex.items)
			r.retryLater(w, json, http.StatusTooManyRequests, codes.ResourceExhausted, "the store is overloaded; retry later")
			return
		case err != nil:
			r.opts.Logger.WarnContext(req.Context(), "intake: sink failed", "signal", sig.name, "err", err)
			r.refuse(sig, "http", "unavailable", ex.items)
			r.retryLater(w, json, http.StatusServiceUnavailable, codes.Unavailable, "the store could not take the data; retry later")
			return
		}
		r.count(sig, "http", ex.items, res)
		if res.Rejected > 0 || res.Message != "" {
			ex.partial(res)
		}
		out, err := ex.marshal(json)
		if err != nil {
			httpError(w, json, http.StatusInternalServerError, codes.Internal, "encoding the response failed")
			return
		}
		w.Header().Set("Content-Type", contentType(json))
		_, _ = w.Write(out)
	}
}

// readBody reads a request body of at most max bytes after decompression.
func readBody(w http.ResponseWriter, req *http.Request, gz bool, limit int64) ([]byte, error) {
	var rd io.Reader = http.MaxBytesReader(w, req.Body, limit)
	if gz {
		z, err := gzip.NewReader(rd)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		defer z.Close()
		rd = z
	}
	body, err := io.ReadAll(io.LimitReader(rd, limit+1))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe), int64(len(body)) > limit:
		return nil, errTooLarge
	case err != nil:
		return nil, err
	}
	return body, nil
}

func contentType(json bool) string {
	if json {
		return "application/json"
	}
	return "application/x-protobuf"
}

// retryLater answers with status and a Retry-After header.
func (r *Receiver) retryLater(w http.ResponseWriter, json bool, status int, code codes.Code, msg string) {
	w.Header().Set("Retry-After", strconv.Itoa(int(max(r.opts.RetryAfter.Round(time.Second), time.Second)/time.Second)))
	httpError(w, json, status, code, msg)
}

// httpError writes an OTLP/HTTP error: a google.rpc.Status in the
// request's encoding.
func httpError(w http.ResponseWriter, json bool, status int, code codes.Code, msg string) {
	st := &spb.Status{Code: int32(code), Message: msg}
	var b []byte
	if json {
		b, _ = protojson.Marshal(st)
	} else {
		b, _ = proto.Marshal(st)
	}
	w.Header().Set("Content-Type", contentType(json))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
