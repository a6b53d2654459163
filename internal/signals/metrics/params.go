package metrics

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/prometheus/common/model"
)

// Bounds used when a series or labels request gives no start or end, as in
// Prometheus: far enough out that every stored sample is inside.
var (
	minTime = time.Unix(math.MinInt64/1000+62135596801, 0).UTC()
	maxTime = time.Unix(math.MaxInt64/1000-62135596801, 999999999).UTC()

	minTimeFormatted = minTime.Format(time.RFC3339Nano)
	maxTimeFormatted = maxTime.Format(time.RFC3339Nano)
)

// parseTime parses a query API timestamp the way Prometheus does: unix
// seconds as a decimal number (milliseconds kept), or RFC 3339.
func parseTime(s string) (time.Time, error) {
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		if math.IsNaN(f) || math.IsInf(f, 0) || f > float64(maxTime.Unix()) || f < float64(minTime.Unix()) {
			return time.Time{}, fmt.Errorf("cannot parse %q to a valid timestamp", s)
		}
		sec, frac := math.Modf(f)
		frac = math.Round(frac*1000) / 1000
		return time.Unix(int64(sec), int64(frac*float64(time.Second))).UTC(), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	// Clients such as the Prometheus UI send the API's own bounds back.
	switch s {
	case minTimeFormatted:
		return minTime, nil
	case maxTimeFormatted:
		return maxTime, nil
	}
	return time.Time{}, fmt.Errorf("cannot parse %q to a valid timestamp", s)
}

// parseDuration parses a step or timeout: seconds as a decimal number, or
// a Prometheus duration such as "15s" or "1h30m".
func parseDuration(s string) (time.Duration, error) {
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		ns := f * float64(time.Second)
		if math.IsNaN(ns) || ns > float64(math.MaxInt64) || ns < float64(math.MinInt64) {
			return 0, fmt.Errorf("cannot parse %q to a valid duration. It overflows int64", s)
		}
		return time.Duration(ns), nil
	}
	if d, err := model.ParseDuration(s); err == nil {
		return time.Duration(d), nil
	}
	return 0, fmt.Errorf("cannot parse %q to a valid duration", s)
}

// maxPointsPerSeries is Prometheus's limit on query_range resolution.
const maxPointsPerSeries = 11000

// errTooManyPoints is Prometheus's answer when a range query asks for more
// than maxPointsPerSeries points.
var errTooManyPoints = errors.New("exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)")

// rangeParams validates a query_range's start, end and step the way
// Prometheus does.
type rangeParams struct {
	start, end time.Time
	step       time.Duration
}

func parseRange(start, end, step string) (rangeParams, error) {
	var p rangeParams
	var err error
	if p.start, err = parseTime(start); err != nil {
		return p, paramError("start", err)
	}
	if p.end, err = parseTime(end); err != nil {
		return p, paramError("end", err)
	}
	if p.end.Before(p.start) {
		return p, errors.New("end timestamp must not be before start time")
	}
	if p.step, err = parseDuration(step); err != nil {
		return p, paramError("step", err)
	}
	if p.step <= 0 {
		return p, errors.New("zero or negative query resolution step widths are not accepted. Try a positive integer")
	}
	if p.end.Sub(p.start)/p.step > maxPointsPerSeries {
		return p, errTooManyPoints
	}
	return p, nil
}

func paramError(name string, err error) error {
	return fmt.Errorf("invalid parameter %q: %w", name, err)
}
