package sources

import (
	"context"
	"encoding/json"
	"sort"
	"strconv"
)

// PushStream is one Loki stream to push: its labels and entries.
type PushStream struct {
	Labels  map[string]string
	Entries []PushEntry
}

// PushEntry is one line with its Loki timestamp (Unix ns).
type PushEntry struct {
	Time int64
	Line string
}

// pushBatchBytes keeps each push request well under Loki's limits.
const pushBatchBytes = 2 << 20

// LokiPush sends streams to Loki's JSON push API (/loki/api/v1/push) in
// batches of about 2 MB, with the retry policy of opts. Loki rejects a line
// more than an hour older than the newest one of its stream, so entries of
// a stream should be pushed in time order.
func LokiPush(ctx context.Context, opts LokiOptions, streams []PushStream) error {
	c, err := newLokiClient(opts)
	if err != nil {
		return err
	}
	type jsonStream struct {
		Stream map[string]string `json:"stream"`
		Values [][2]string       `json:"values"`
	}
	var (
		batch []jsonStream
		size  int
	)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		body, err := json.Marshal(map[string]any{"streams": batch})
		if err != nil {
			return err
		}
		batch, size = batch[:0], 0
		return c.call(ctx, "push", "POST", "/loki/api/v1/push", nil, body, nil)
	}
	for _, s := range streams {
		var cur *jsonStream
		for _, e := range s.Entries {
			if cur == nil {
				batch = append(batch, jsonStream{Stream: s.Labels})
				cur = &batch[len(batch)-1]
			}
			cur.Values = append(cur.Values, [2]string{strconv.FormatInt(e.Time, 10), e.Line})
			size += len(e.Line) + 32
			if size >= pushBatchBytes {
				if err := flush(); err != nil {
					return err
				}
				cur = nil
			}
		}
	}
	return flush()
}

// labelsString formats labels as Loki does: {a="1", b="2"} sorted by name.
func labelsString(l map[string]string) string {
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b := []byte{'{'}
	for i, k := range keys {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, k...)
		b = append(b, '=')
		b = strconv.AppendQuote(b, l[k])
	}
	return string(append(b, '}'))
}
