package sources

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"time"

	"github.com/grafana/loki/v3/pkg/loghttp"
	"github.com/grafana/loki/v3/pkg/logql/syntax"
	"github.com/prometheus/common/model"
)

// Series is one series of a LogQL metric query.
type Series struct {
	Labels map[string]string
	Points []Point // in time order
}

// Point is one value of a series at a time.
type Point struct {
	T time.Time // UTC
	V float64
}

// Sample is one element of an instant vector (for example a topk row).
type Sample struct {
	Labels map[string]string
	V      float64
}

// maxLokiPoints is Loki's limit of points per series per query.
const maxLokiPoints = 11000

// LokiMatrix runs a LogQL metric query over [start, end] at step, for
// example sum by (status) (count_over_time({job="nginx"} | pattern `…` [1m])).
// The query is validated with Loki's parser first. A range with more than
// 11,000 steps is split into several requests. Series are sorted by labels.
func LokiMatrix(ctx context.Context, opts LokiOptions, logql string, start, end time.Time, step time.Duration) ([]Series, error) {
	if _, err := syntax.ParseSampleExpr(logql); err != nil {
		return nil, fmt.Errorf("loki metric query %q: %w", logql, err)
	}
	if step <= 0 || end.Before(start) {
		return nil, fmt.Errorf("loki metric query: bad range %s..%s step %v", start.UTC().Format(time.RFC3339), end.UTC().Format(time.RFC3339), step)
	}
	c, err := newLokiClient(opts)
	if err != nil {
		return nil, err
	}
	byKey := map[string]*Series{}
	span := step * (maxLokiPoints - 1)
	for from := start; !from.After(end); from = from.Add(span + step) {
		to := from.Add(span)
		if to.After(end) {
			to = end
		}
		params := url.Values{
			"query": {logql},
			"start": {strconv.FormatInt(from.UnixNano(), 10)},
			"end":   {strconv.FormatInt(to.UnixNano(), 10)},
			"step":  {strconv.FormatFloat(step.Seconds(), 'f', -1, 64)},
		}
		var m loghttp.Matrix
		err := c.call(ctx, "query_range", "GET", "/loki/api/v1/query_range", params, nil, func(body []byte) error {
			var resp loghttp.QueryResponse
			if err := resp.UnmarshalJSON(body); err != nil {
				return err
			}
			if resp.Data.ResultType != loghttp.ResultTypeMatrix {
				return fmt.Errorf("result type %q, want matrix", resp.Data.ResultType)
			}
			m, _ = resp.Data.Result.(loghttp.Matrix)
			return nil
		})
		if err != nil {
			return nil, err
		}
		for _, ss := range m {
			key := ss.Metric.String()
			s := byKey[key]
			if s == nil {
				s = &Series{Labels: metricMap(ss.Metric)}
				byKey[key] = s
			}
			for _, v := range ss.Values {
				s.Points = append(s.Points, Point{T: v.Timestamp.Time().UTC(), V: float64(v.Value)})
			}
		}
	}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]Series, 0, len(keys))
	for _, k := range keys {
		out = append(out, *byKey[k])
	}
	return out, nil
}

// LokiVector runs an instant LogQL metric query at time at, for example
// topk(10, sum by (referer) (count_over_time({job="nginx"} | json [30m]))).
// Samples are sorted by value, descending, then by labels.
func LokiVector(ctx context.Context, opts LokiOptions, logql string, at time.Time) ([]Sample, error) {
	if _, err := syntax.ParseSampleExpr(logql); err != nil {
		return nil, fmt.Errorf("loki metric query %q: %w", logql, err)
	}
	c, err := newLokiClient(opts)
	if err != nil {
		return nil, err
	}
	params := url.Values{"query": {logql}, "time": {strconv.FormatInt(at.UnixNano(), 10)}}
	var v loghttp.Vector
	err = c.call(ctx, "query", "GET", "/loki/api/v1/query", params, nil, func(body []byte) error {
		var resp loghttp.QueryResponse
		if err := resp.UnmarshalJSON(body); err != nil {
			return err
		}
		if resp.Data.ResultType != loghttp.ResultTypeVector {
			return fmt.Errorf("result type %q, want vector", resp.Data.ResultType)
		}
		v, _ = resp.Data.Result.(loghttp.Vector)
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]Sample, 0, len(v))
	for _, s := range v {
		out = append(out, Sample{Labels: metricMap(s.Metric), V: float64(s.Value)})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].V != out[j].V {
			return out[i].V > out[j].V
		}
		return labelsString(out[i].Labels) < labelsString(out[j].Labels)
	})
	return out, nil
}

func metricMap(m model.Metric) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[string(k)] = string(v)
	}
	return out
}

// LokiSelector returns the stream selector of a log query, without its
// pipeline: `{job="nginx", filename=~".*access.*"} |= "GET"` gives
// `{job="nginx", filename=~".*access.*"}`. It is the base for derived
// metric queries (count_over_time, quantile_over_time, topk).
func LokiSelector(logql string) (string, error) {
	sel, err := syntax.ParseLogSelector(logql, true)
	if err != nil {
		return "", fmt.Errorf("loki query %q: %w", logql, err)
	}
	return (&syntax.MatchersExpr{Mts: sel.Matchers()}).String(), nil
}
