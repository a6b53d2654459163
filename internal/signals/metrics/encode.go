package metrics

import (
	"encoding/json"
	"math"
	"strconv"

	"github.com/prometheus/prometheus/model/histogram"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
)

// This file writes PromQL results in the Prometheus query API's JSON wire
// format: timestamps as unix seconds (a JSON number with up to three
// decimals), values as strings, so that NaN and ±Inf survive.
// Prometheus's own encoder lives in web/api/v1, which would pull in the
// whole web API, so the format is written here.

func appendResult(b []byte, v parser.Value) []byte {
	b = append(b, `{"resultType":`...)
	b = appendString(b, string(v.Type()))
	b = append(b, `,"result":`...)
	switch v := v.(type) {
	case promql.Vector:
		b = append(b, '[')
		for i, s := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendSample(b, s)
		}
		b = append(b, ']')
	case promql.Matrix:
		b = append(b, '[')
		for i, s := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendSeries(b, s)
		}
		b = append(b, ']')
	case promql.Scalar:
		b = appendFloatPoint(b, v.T, v.V)
	case promql.String:
		b = append(b, '[')
		b = appendTimestamp(b, v.T)
		b = append(b, ',')
		b = appendString(b, v.V)
		b = append(b, ']')
	default:
		b = append(b, "null"...)
	}
	return append(b, '}')
}

func appendSample(b []byte, s promql.Sample) []byte {
	b = append(b, `{"metric":`...)
	b = appendLabels(b, s.Metric)
	if s.H == nil {
		b = append(b, `,"value":`...)
		b = appendFloatPoint(b, s.T, s.F)
	} else {
		b = append(b, `,"histogram":`...)
		b = appendHistogramPoint(b, s.T, s.H)
	}
	return append(b, '}')
}

func appendSeries(b []byte, s promql.Series) []byte {
	b = append(b, `{"metric":`...)
	b = appendLabels(b, s.Metric)
	if len(s.Floats) > 0 {
		b = append(b, `,"values":[`...)
		for i, p := range s.Floats {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendFloatPoint(b, p.T, p.F)
		}
		b = append(b, ']')
	}
	if len(s.Histograms) > 0 {
		b = append(b, `,"histograms":[`...)
		for i, p := range s.Histograms {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendHistogramPoint(b, p.T, p.H)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

func appendLabels(b []byte, ls labels.Labels) []byte {
	b = append(b, '{')
	first := true
	ls.Range(func(l labels.Label) {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendString(b, l.Name)
		b = append(b, ':')
		b = appendString(b, l.Value)
	})
	return append(b, '}')
}

func appendFloatPoint(b []byte, t int64, f float64) []byte {
	b = append(b, '[')
	b = appendTimestamp(b, t)
	b = append(b, ',', '"')
	b = appendFloat(b, f)
	return append(b, '"', ']')
}

// appendHistogramPoint writes a native histogram as Prometheus does:
// count, sum and buckets of [boundary_rule, "lower", "upper", "count"],
// where boundary_rule is 0 (lower exclusive, upper inclusive), 1 (lower
// inclusive, upper exclusive), 2 (both exclusive) or 3 (both inclusive).
func appendHistogramPoint(b []byte, t int64, h *histogram.FloatHistogram) []byte {
	b = append(b, '[')
	b = appendTimestamp(b, t)
	b = append(b, `,{"count":"`...)
	b = appendFloat(b, h.Count)
	b = append(b, `","sum":"`...)
	b = appendFloat(b, h.Sum)
	b = append(b, '"')
	first := true
	for it := h.AllBucketIterator(); it.Next(); {
		bucket := it.At()
		if bucket.Count == 0 {
			continue
		}
		if first {
			b = append(b, `,"buckets":[`...)
		} else {
			b = append(b, ',')
		}
		first = false
		rule := 2
		switch {
		case bucket.LowerInclusive && bucket.UpperInclusive:
			rule = 3
		case bucket.UpperInclusive:
			rule = 0
		case bucket.LowerInclusive:
			rule = 1
		}
		b = append(b, '[')
		b = strconv.AppendInt(b, int64(rule), 10)
		b = append(b, ',', '"')
		b = appendFloat(b, bucket.Lower)
		b = append(b, '"', ',', '"')
		b = appendFloat(b, bucket.Upper)
		b = append(b, '"', ',', '"')
		b = appendFloat(b, bucket.Count)
		b = append(b, '"', ']')
	}
	if !first {
		b = append(b, ']')
	}
	return append(b, '}', ']')
}

// appendTimestamp writes milliseconds as seconds, as Prometheus does: the
// fraction, if any, always with three digits ("1.500").
func appendTimestamp(b []byte, ms int64) []byte {
	if ms < 0 {
		b = append(b, '-')
		ms = -ms // math.MinInt64 cannot be a sample time.
	}
	b = strconv.AppendInt(b, ms/1000, 10)
	if frac := ms % 1000; frac != 0 {
		b = append(b, '.', byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10))
	}
	return b
}

// appendFloat writes a sample value as Prometheus does: decimal notation,
// except exponent notation below 1e-6 and from 1e21 on, and "NaN",
// "+Inf", "-Inf".
func appendFloat(b []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	return strconv.AppendFloat(b, f, format, -1, 64)
}

func appendString(b []byte, s string) []byte {
	q, _ := json.Marshal(s) // A string always marshals.
	return append(b, q...)
}
