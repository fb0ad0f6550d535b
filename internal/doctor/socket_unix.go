//go:build unix

package doctor

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// notSocket says what is wrong when path is not a socket at all.
func notSocket(path string, fi fs.FileInfo) (msg, fix string) {
	if fi.Mode().Type() != fs.ModeSocket {
		return fmt.Sprintf("%s is not a socket but a %v.", path, typeName(fi)), "remove it, then start the agent: biot-agent run"
	}
	return "", ""
}

// socketFileProblem checks that the socket is 0600 and ours, in a folder
// that is 0700 and ours: the guards that keep other users away from the
// tokens. It answers what is wrong and the fix, or "".
func socketFileProblem(path string, fi fs.FileInfo) (msg, fix string) {
	me := os.Geteuid()
	if uid := ownerOf(fi); uid != me {
		return fmt.Sprintf("the socket %s belongs to uid %d, not to you (uid %d).", path, uid, me),
			"do not use another user's socket: unset BIOT_AGENT_SOCK, or point it at a folder of your own"
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		return fmt.Sprintf("the socket %s is %04o, not 0600: other users may reach it.", path, perm),
			"restart the agent: it makes the socket 0600"
	}
	dir := dirOf(path)
	di, err := os.Lstat(dir)
	if err != nil {
		return fmt.Sprintf("cannot look at the socket's folder %s: %v.", dir, err), "check the folder's permissions"
	}
	if !di.IsDir() {
		return fmt.Sprintf("the socket's folder %s is a %v, not a folder.", dir, typeName(di)), "point BIOT_AGENT_SOCK at a socket in a real folder"
	}
	if uid := ownerOf(di); uid != me {
		return fmt.Sprintf("the socket's folder %s belongs to uid %d, not to you (uid %d).", dir, uid, me),
			"point BIOT_AGENT_SOCK at a folder of your own"
	}
	if perm := di.Mode().Perm(); perm != 0o700 {
		return fmt.Sprintf("the socket's folder %s is %04o, not 0700: other users may reach the socket.", dir, perm),
			"chmod 700 " + dir + ", or restart the agent: it tightens the folder"
	}
	return "", ""
}

// socketModes describes the guards, for a finding that is ok.
func socketModes(string, fs.FileInfo) string {
	return "socket 0600 and folder 0700, both yours"
}

func ownerOf(fi fs.FileInfo) int {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int(st.Uid)
	}
	return -1
}

func typeName(fi fs.FileInfo) string {
	switch t := fi.Mode().Type(); {
	case t == 0:
		return "regular file"
	case t&fs.ModeDir != 0:
		return "folder"
	case t&fs.ModeSymlink != 0:
		return "symbolic link"
	default:
		return t.String()
	}
}

// dirOf is the socket's folder, for messages.
func dirOf(path string) string { return filepath.Dir(path) }
