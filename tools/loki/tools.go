//go:build tools

// Package tools pins the Loki server command for `go build`.
package tools

import _ "github.com/grafana/loki/v3/cmd/loki"
