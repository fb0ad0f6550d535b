package doctor

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"biot-agent/ipc"
)

const startFix = "start it with: biot-agent run (or log out and in, with autostart on: biot-agent autostart enable)"

// checkAgent checks the socket and the agent behind it, and reports the
// session it holds. It answers the agent's BioT URL, "" when none answered.
func checkAgent(ctx context.Context, path string) (agentF, sessionF Finding, url string) {
	agentF = Finding{Check: CheckAgent}
	sessionF = Finding{Check: CheckSession, Level: Skip, Message: "not checked: the agent is not running"}
	if path == "" {
		var err error
		if path, err = ipc.SocketPath(); err != nil {
			agentF.Level, agentF.Message = Fail, err.Error()
			agentF.Fix = "set BIOT_AGENT_SOCK to a short path in a folder of your own, for the agent and for every tool"
			return agentF, sessionF, ""
		}
	}
	agentF.Detail = map[string]string{"socket": path}
	where := path
	if os.Getenv("BIOT_AGENT_SOCK") != "" {
		where += " (from BIOT_AGENT_SOCK)"
	}

	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		agentF.Level, agentF.Fix = Fail, startFix
		agentF.Message = "not running: no socket at " + where + "."
		return agentF, sessionF, ""
	case err != nil:
		agentF.Level, agentF.Message = Fail, fmt.Sprintf("cannot look at the socket %s: %v.", where, err)
		agentF.Fix = "check the folder's permissions"
		return agentF, sessionF, ""
	}
	if msg, fix := notSocket(path, fi); msg != "" {
		agentF.Level, agentF.Message, agentF.Fix = Fail, msg, fix
		return agentF, sessionF, ""
	}
	peer, perr := peerOf(ctx, path)
	if errors.Is(perr, errRefused) {
		agentF.Level, agentF.Fix = Fail, startFix+"; it removes the stale socket"
		agentF.Message = "not running: " + where + " is left from an agent that stopped."
		return agentF, sessionF, ""
	}
	// Someone listens: now the guards matter.
	if msg, fix := socketFileProblem(path, fi); msg != "" {
		agentF.Level, agentF.Message, agentF.Fix = Fail, msg, fix
		return agentF, sessionF, ""
	}
	if peer.pid > 0 {
		agentF.Detail["pid"] = fmt.Sprint(peer.pid)
	}
	if peer.known && peer.uid != os.Geteuid() {
		agentF.Level = Fail
		agentF.Message = fmt.Sprintf("the process serving %s%s runs as uid %d, not as you (uid %d).", where, peer.pidNote(), peer.uid, os.Geteuid())
		agentF.Fix = "do not use another user's socket: unset BIOT_AGENT_SOCK, or point it at a folder of your own"
		return agentF, sessionF, ""
	}

	limit := budget(ctx, stepTimeout)
	st, err := withTimeout(ctx, limit, func(ctx context.Context) (ipc.StatusResponse, error) {
		return ipc.NewClient(path).Status(ctx)
	})
	pid := peer.pidNote()
	switch {
	case errors.Is(err, ipc.ErrAgentNotRunning):
		agentF.Level, agentF.Fix = Fail, startFix+"; it removes the stale socket"
		agentF.Message = "not running: " + where + " is left from an agent that stopped."
		return agentF, sessionF, ""
	case errors.Is(err, context.DeadlineExceeded):
		agentF.Level = Fail
		agentF.Message = fmt.Sprintf("the agent%s on %s does not answer within %v.", pid, where, limit)
		agentF.Fix = "it may be stuck: stop it" + killHint(peer) + ", then start it with: biot-agent run"
		return agentF, sessionF, ""
	case err != nil:
		agentF.Level = Fail
		agentF.Message = fmt.Sprintf("the agent%s on %s answered with an error: %v.", pid, where, err)
		agentF.Fix = "restart it" + killHint(peer) + "; its log (standard error, or the journal) says more"
		return agentF, sessionF, ""
	}
	agentF.Detail["version"] = st.Version
	agentF.Level = OK
	agentF.Message = fmt.Sprintf("biot-agent %s%s answers on %s; %s.", st.Version, pid, where, socketModes(path, fi))
	return agentF, sessionFinding(st.Status), st.BaseURL
}

func killHint(p peer) string {
	if p.pid > 0 {
		return fmt.Sprintf(" (kill %d)", p.pid)
	}
	return ""
}

// sessionFinding says where the session stands, and what to do about it.
func sessionFinding(st ipc.Status) Finding {
	f := Finding{Check: CheckSession, Detail: map[string]string{"state": string(st.State), "store": st.Store.Kind}}
	store := ""
	switch {
	case !st.Store.Persistent && st.Store.Problem != "":
		store = " Session store: " + strings.TrimSuffix(st.Store.Problem, ".") + "."
	case !st.Store.Persistent:
		store = " The session is kept in memory only: a restart asks for the password again."
	case st.Store.Problem != "":
		store = " The keyring has a problem: " + strings.TrimSuffix(st.Store.Problem, ".") + "."
	}
	why := ""
	if st.Message != "" {
		why = ": " + strings.TrimSuffix(st.Message, ".")
	}
	switch {
	case st.MFAPending:
		f.Level, f.Message = Warn, "a sign-in waits for its SMS code."+store
		f.Fix = "printf %s CODE | biot-agent login --code-stdin, or biot-agent login again"
	case st.State == ipc.StateSignedIn:
		f.Level = OK
		f.Message = "signed in as " + st.Username + " to " + st.BaseURL
		if st.RefreshExpiresAt != nil {
			f.Message += ", session good until " + st.RefreshExpiresAt.Local().Format(time.DateTime)
		}
		f.Message += "."
		if store != "" {
			f.Level, f.Message = Warn, f.Message+store
			f.Fix = "see the secret service line"
		}
	case st.State == ipc.StateSignedOut:
		f.Level, f.Message, f.Fix = Warn, "nobody is signed in."+store, "biot-agent login"
	case st.State == ipc.StateNeedsLogin:
		f.Level, f.Message, f.Fix = Warn, "the session is over"+why+"."+store, "biot-agent login"
	case st.State == ipc.StateOffline:
		f.Level, f.Message = Warn, "BioT cannot be reached"+why+"."+store
		f.Fix = "see the BioT URL line; the agent retries on its own"
	default:
		f.Level, f.Message = Warn, "the agent says "+string(st.State)+why+"."+store
	}
	return f
}
