// Command igny8 is the igny8 tenancy core: the HTTP server and its
// management commands. See README.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/igny8/igny8/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
