package bench

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// ssh-agent is the peer the agent's socket is compared with: a credential
// agent on a Unix socket that a tool asks over a kept connection. The
// request is the smallest of its protocol (draft-miller-ssh-agent): list
// the keys. A message is a uint32 length, then a type byte and its body.
const (
	sshAgentcRequestIdentities = 11 // SSH2_AGENTC_REQUEST_IDENTITIES
	sshAgentIdentitiesAnswer   = 12 // SSH2_AGENT_IDENTITIES_ANSWER
	sshAgentMaxAnswer          = 256 << 10
)

// sshListKeys is the whole request: length 1, type 11, no body.
var sshListKeys = []byte{0, 0, 0, 1, sshAgentcRequestIdentities}

// SSHAgent is a private ssh-agent holding one new ed25519 key.
type SSHAgent struct {
	Socket string
	cmd    *exec.Cmd
}

// StartSSHAgent starts ssh-agent on dir/ssh.sock and adds a new ed25519 key
// to it.
func StartSSHAgent(ctx context.Context, dir string) (*SSHAgent, error) {
	sock := filepath.Join(dir, "ssh.sock")
	key := filepath.Join(dir, "id_ed25519")
	if out, err := exec.CommandContext(ctx, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "bench", "-f", key).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("ssh-keygen (Debian package openssh-client): %w: %s", err, out)
	}
	cmd := exec.Command("ssh-agent", "-D", "-a", sock)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("ssh-agent (Debian package openssh-client): %w", err)
	}
	s := &SSHAgent{Socket: sock, cmd: cmd}
	deadline := time.Now().Add(10 * time.Second)
	for {
		add := exec.CommandContext(ctx, "ssh-add", key)
		add.Env = []string{"SSH_AUTH_SOCK=" + sock, "PATH=" + os.Getenv("PATH")}
		out, err := add.CombinedOutput()
		if err == nil {
			return s, nil
		}
		if time.Now().After(deadline) {
			s.Close()
			return nil, fmt.Errorf("ssh-add: %w: %s", err, out)
		}
		time.Sleep(20 * time.Millisecond) // ssh-agent is binding its socket
	}
}

// Close stops the ssh-agent.
func (s *SSHAgent) Close() {
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
}

// NewClient returns a client that lists the agent's keys over one kept
// connection, as ssh does with each connection it opens to ssh-agent.
func (s *SSHAgent) NewClient() Client { return &sshAgentClient{path: s.Socket} }

type sshAgentClient struct {
	path string
	c    net.Conn
	buf  []byte
}

// Token lists the keys and answers the length of the answer.
func (c *sshAgentClient) Token(ctx context.Context) (int, error) {
	if c.c == nil {
		var d net.Dialer
		conn, err := d.DialContext(ctx, "unix", c.path)
		if err != nil {
			return 0, err
		}
		c.c, c.buf = conn, make([]byte, 4096)
	}
	if _, err := c.c.Write(sshListKeys); err != nil {
		return 0, err
	}
	if _, err := io.ReadFull(c.c, c.buf[:4]); err != nil {
		return 0, err
	}
	n := int(binary.BigEndian.Uint32(c.buf[:4]))
	if n < 1 || n > sshAgentMaxAnswer {
		return 0, fmt.Errorf("ssh-agent: an answer of %d bytes", n)
	}
	if n > len(c.buf) {
		c.buf = make([]byte, n)
	}
	if _, err := io.ReadFull(c.c, c.buf[:n]); err != nil {
		return 0, err
	}
	if c.buf[0] != sshAgentIdentitiesAnswer {
		return 0, fmt.Errorf("ssh-agent answered message %d, want %d", c.buf[0], sshAgentIdentitiesAnswer)
	}
	// The body starts with the number of keys: one was added.
	if n < 5 || binary.BigEndian.Uint32(c.buf[1:5]) != 1 {
		return 0, fmt.Errorf("ssh-agent does not list the one key it holds")
	}
	return n, nil
}

func (c *sshAgentClient) Close() {
	if c.c != nil {
		c.c.Close()
	}
}
