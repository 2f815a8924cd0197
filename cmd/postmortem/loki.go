package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/postmortem/postmortem/sources"
)

// lokiInputs pulls the --loki-query streams over --since/--until. Relative
// times count back from now here (Loki holds recent logs); they are resolved
// to absolute ones before the analysis so nothing is pulled twice.
func lokiInputs(ctx context.Context, cfg *config, stderr io.Writer) ([]sources.Input, *lokiRun, error) {
	now := time.Now().UTC()
	start, _, err := parseWhen(cfg.since, now)
	if err != nil {
		return nil, nil, usageError("--since: %v", err)
	}
	end, _, err := parseWhen(cfg.until, now)
	if err != nil {
		return nil, nil, usageError("--until: %v", err)
	}
	if !end.After(start) {
		return nil, nil, usageError("--until must be after --since")
	}
	cfg.since, cfg.until = start.Format(time.RFC3339Nano), end.Format(time.RFC3339Nano)

	queries := make([]sources.LokiQuery, 0, len(cfg.lokiQueries))
	for _, s := range cfg.lokiQueries {
		q, err := sources.ParseLokiQuery(s)
		if err != nil {
			return nil, nil, usageError("--loki-query: %v", err)
		}
		queries = append(queries, q)
	}
	opts := sources.LokiOptions{
		URL:                cfg.loki,
		Org:                cfg.lokiOrg,
		User:               cfg.lokiUser,
		Password:           os.Getenv("LOKI_PASSWORD"),
		Token:              os.Getenv("LOKI_TOKEN"),
		CAFile:             cfg.lokiCA,
		CertFile:           cfg.lokiCert,
		KeyFile:            cfg.lokiKey,
		InsecureSkipVerify: cfg.lokiInsecure,
		Parallel:           cfg.lokiParallel,
	}
	if cfg.lokiTokenFile != "" {
		b, err := os.ReadFile(cfg.lokiTokenFile)
		if err != nil {
			return nil, nil, fmt.Errorf("--loki-token-file: %w", err)
		}
		opts.Token = strings.TrimSpace(string(b))
	}
	if !cfg.quiet && isTerminal(stderr) {
		opts.Progress = stderr
	}
	run := &lokiRun{stats: &sources.LokiStats{}, began: time.Now()}
	opts.Stats = run.stats
	if cfg.lokiMode == "pushdown" {
		inputs, res, err := lokiPushdownInputs(ctx, opts, queries, start, end)
		run.pushdown = res
		return inputs, run, err
	}
	inputs, err := sources.LokiInputs(ctx, opts, queries, start, end)
	return inputs, run, err
}

// lokiRun is what a Loki read leaves besides its inputs.
type lokiRun struct {
	stats    *sources.LokiStats
	began    time.Time
	pushdown *pushdownResult
}
