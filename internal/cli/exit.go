package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"biot-agent/internal/config"
	"biot-agent/ipc"
)

// Exit codes; see the package documentation.
const (
	exitOK         = 0
	exitFailure    = 1
	exitUsage      = 2
	exitSignIn     = 3
	exitNotRunning = 4
	exitOffline    = 5
)

// usageError is a mistake in the command line.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// exitCode maps an error to the exit code a script can act on.
func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var ue *usageError
	if errors.As(err, &ue) {
		return exitUsage
	}
	var ce *childExit
	if errors.As(err, &ce) {
		return ce.code
	}
	if errors.Is(err, config.ErrNoEnvironment) || errors.Is(err, config.ErrUnknownEnvironment) {
		return exitUsage // the command line did not say which environment
	}
	if errors.Is(err, ipc.ErrAgentNotRunning) {
		return exitNotRunning
	}
	var ie *ipc.Error
	if errors.As(err, &ie) {
		switch ie.Code {
		case ipc.CodeSignedOut, ipc.CodeNeedsLogin, ipc.CodeMFARequired, ipc.CodePasswordReset,
			ipc.CodeLocked, ipc.CodeLoginFailed, ipc.CodeWaitTimeout:
			return exitSignIn
		case ipc.CodeOffline, ipc.CodeBioTUnreachable:
			return exitOffline
		case ipc.CodeBadRequest, ipc.CodeUnknownEnvironment, ipc.CodeEnvironmentRequired:
			return exitUsage
		}
	}
	return exitFailure
}

// report prints err as one line on stderr and answers its exit code.
func report(stderr io.Writer, err error) int {
	if err == nil {
		return exitOK
	}
	var ce *childExit
	if errors.As(err, &ce) {
		return ce.code
	}
	msg := err.Error()
	if code(err) == ipc.CodeSignedOut && !strings.Contains(msg, "biot-agent login") {
		// The agent says who is not signed in where; a person also needs
		// to hear how to fix it.
		msg += "; sign in with: biot-agent login"
	}
	if !strings.HasPrefix(msg, "biot-agent") {
		msg = "biot-agent: " + msg
	}
	fmt.Fprintln(stderr, msg)
	return exitCode(err)
}
