package main

import (
	"context"
	"os"

	"github.com/postmortem/postmortem/simulate"
	"github.com/postmortem/postmortem/sources"
)

// pushToLoki pushes the run in dir to the Loki at url (loggen --loki), with
// tenant and credentials from LOKI_ORG, LOKI_PASSWORD and LOKI_TOKEN.
func pushToLoki(url, dir string, t *simulate.Truth) error {
	opts := sources.LokiOptions{URL: url, Org: os.Getenv("LOKI_ORG"), Password: os.Getenv("LOKI_PASSWORD"), Token: os.Getenv("LOKI_TOKEN")}
	return simulate.PushToLoki(context.Background(), opts, dir, t, nil)
}
