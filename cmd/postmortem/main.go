// Command postmortem turns the logs of a crashed website into the story of
// its outage: an HTML report for managers and customers, Markdown for the
// postmortem document and JSON for machines.
//
// It owns flags, help text, wiring and exit codes; it computes, parses and
// formats nothing itself.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit codes, listed in --help and the README.
const (
	exitOK          = 0   // the report was written
	exitFailure     = 1   // runtime failure: I/O, Loki unreachable, nothing to analyze
	exitUsage       = 2   // bad flags or arguments
	exitStrict      = 3   // the report was written, but --strict and some lines did not parse
	exitInterrupted = 130 // interrupted by a signal; nothing was written
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	stopLimit := func() {}
	if os.Getenv("GOMEMLIMIT") == "" {
		stopLimit = adaptMemoryLimit()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := runContext(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	stopLimit()
	os.Exit(code)
}

// run is the whole program; tests call it with buffers.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runContext(context.Background(), args, stdin, stdout, stderr)
}

func runContext(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stderr)
	if errors.Is(err, errHelp) {
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "postmortem: %v\n", err)
		fmt.Fprintln(stderr, "Try 'postmortem --help' for more information.")
		return exitUsage
	}
	if cfg.showVersion {
		fmt.Fprintf(stdout, "postmortem %s\n", version)
		return exitOK
	}
	err = execute(ctx, cfg, stdin, stdout, stderr)
	var ec interface{ ExitCode() int }
	switch {
	case err == nil:
		return exitOK
	case ctx.Err() != nil:
		fmt.Fprintln(stderr, "postmortem: interrupted; nothing was written")
		return exitInterrupted
	case errors.As(err, &ec):
		if msg := err.Error(); msg != "" {
			fmt.Fprintf(stderr, "postmortem: %s\n", msg)
		}
		return ec.ExitCode()
	default:
		fmt.Fprintf(stderr, "postmortem: %v\n", err)
		return exitFailure
	}
}

// exitError carries an exit code other than exitFailure.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}
func (e *exitError) Unwrap() error { return e.err }
func (e *exitError) ExitCode() int { return e.code }

func usageError(format string, a ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, a...)}
}
