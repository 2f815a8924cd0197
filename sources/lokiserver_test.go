package sources

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/postmortem/postmortem/sources/lokitest"
)

// The real-Loki tests share one Loki (started on first use, stopped by
// TestMain) and start their own when they stop it or need auth on.

func TestMain(m *testing.M) {
	code := m.Run()
	if shared != nil {
		shared.Stop()
	}
	os.Exit(code)
}

var (
	sharedOnce sync.Once
	shared     *lokitest.Server
	sharedErr  error
)

// sharedLoki returns the Loki shared by the tests that push and read under
// their own labels.
func sharedLoki(t testing.TB) *lokitest.Server {
	t.Helper()
	sharedOnce.Do(func() { shared, sharedErr = lokitest.Start(false) })
	if sharedErr != nil {
		lokitest.Unavailable(t, sharedErr)
	}
	return shared
}

// pushLines pushes streams and fails the test on error.
func pushLines(t testing.TB, s *lokitest.Server, org string, streams ...PushStream) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := LokiPush(ctx, LokiOptions{URL: s.URL, Org: org}, streams); err != nil {
		t.Fatalf("push: %v", err)
	}
}
