package cli

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// Main is the whole of a binary's main: it wires the process (argv, stdio, signals) into
// an Env and runs app, or dispatches when invoked as kubectl-pkg / git-pkg.
//
//	func main() { os.Exit(cli.Main(newApp())) }
func Main(app *App) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	inv := ParseInvocation(os.Args[0], app.Binary, os.Getenv)
	// The dispatcher's note is for this process only, not for programs it runs (exec).
	os.Unsetenv(EnvProg)
	env := &Env{
		Inv:       inv,
		Binary:    app.Binary,
		Stdin:     os.Stdin,
		Stdout:    os.Stdout,
		Stderr:    os.Stderr,
		StdoutTTY: isTerminal(os.Stdout),
		StderrTTY: isTerminal(os.Stderr),
		Getenv:    os.Getenv,
	}
	switch {
	case inv.Complete && inv.Dispatch != "":
		return DispatchComplete(env, os.Args[1:])
	case inv.Complete:
		app.complete(ctx, env, os.Args[1:])
		return ExitOK
	case inv.Dispatch != "":
		return Dispatch(env, os.Args[1:])
	}
	return app.Main(ctx, env, os.Args[1:])
}
