package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/postmortem/postmortem/analyzer"
	"github.com/postmortem/postmortem/simulate"
	"github.com/postmortem/postmortem/sources"
)

// TestShardsMatchChunks analyzes the launch scenario (writes with their
// line numbers as evidence, a retry storm, errors) twice: its access log
// read in one contiguous shard per worker, and dealt out in chunks. The
// reports must be byte-identical.
func TestShardsMatchChunks(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates a scenario")
	}
	dir := t.TempDir()
	sc, err := simulate.Lookup("launch")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := simulate.Run(sc, 1, dir); err != nil {
		t.Fatal(err)
	}
	// Unparsable lines in the later shards: their samples carry line
	// numbers, which must count from the start of the file.
	path := filepath.Join(dir, "access.log")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	var out bytes.Buffer
	for i, l := range lines {
		if i == len(lines)*3/5 || i == len(lines)*4/5 || i == len(lines)-3 {
			fmt.Fprintf(&out, "\x16\x03\x01 not an access line %d\n", i)
		}
		out.Write(l)
	}
	if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := parseFlags([]string{"-q", "-f", "json", dir}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	report := func(shardMin int64) ([]byte, int64) {
		inputs, err := sources.ExpandStdin(cfg.paths, nil)
		if err != nil {
			t.Fatal(err)
		}
		plans, err := planInputs(ctx, cfg, inputs, func(string, ...any) {})
		if err != nil {
			t.Fatal(err)
		}
		opts, err := analyzerOptions(cfg)
		if err != nil {
			t.Fatal(err)
		}
		prog := &counters{}
		agg, err := analyze(ctx, plans, opts, prog, shardMin)
		if err != nil {
			t.Fatal(err)
		}
		infos := make([]analyzer.InputInfo, len(plans))
		for i, p := range plans {
			infos[i] = p.info
		}
		b, err := json.Marshal(analyzer.Finish(agg, infos, opts))
		if err != nil {
			t.Fatal(err)
		}
		return b, prog.lines.Load()
	}
	sharded, n1 := report(1)
	chunked, n2 := report(1 << 62)
	if n1 != n2 || n1 == 0 {
		t.Fatalf("lines read: %d in shards, %d in chunks", n1, n2)
	}
	if !bytes.Contains(sharded, []byte(`not an access line`)) {
		t.Fatal("the report shows no skipped-line sample: the test would prove little")
	}
	if !bytes.Equal(sharded, chunked) {
		t.Errorf("shards and chunks differ:\n%.3000s", cmp.Diff(string(chunked), string(sharded)))
	}
}
