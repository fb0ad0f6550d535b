package keyring

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"biot-agent/agent"
)

func TestMemoryStore(t *testing.T) {
	const problem = "no Secret Service on the session bus: the session is kept in memory only"
	s := NewMemory(problem)
	ctx := context.Background()
	url := "https://memory.example.test"

	if info := s.Info(); info != (agent.StoreInfo{Kind: "memory", Persistent: false, Problem: problem}) {
		t.Errorf("Info = %+v", info)
	}
	if _, err := s.Load(ctx, key(env, url)); !errors.Is(err, agent.ErrNoSession) {
		t.Errorf("Load of nothing: %v, want ErrNoSession", err)
	}
	want := session(env, url, "ann", "refresh-1")
	if err := s.Save(ctx, want); err != nil {
		t.Fatal(err)
	}
	got, err := s.Load(ctx, key(env, url+"/"))
	if err != nil {
		t.Fatal(err)
	}
	sameSession(t, got, want)
	if _, err := s.Load(ctx, key(env, url+"/other")); !errors.Is(err, agent.ErrNoSession) {
		t.Errorf("Load for another URL: %v, want ErrNoSession", err)
	}
	if _, err := s.Load(ctx, key("other", url)); !errors.Is(err, agent.ErrNoSession) {
		t.Errorf("Load of another environment: %v, want ErrNoSession", err)
	}
	if err := s.Delete(ctx, env); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(ctx, key(env, url)); !errors.Is(err, agent.ErrNoSession) {
		t.Errorf("Load after Delete: %v, want ErrNoSession", err)
	}
	big := session(env, url, "ann", string(make([]byte, MaxTokenBytes+1)))
	if err := s.Save(ctx, big); !errors.Is(err, ErrTokenTooLarge) {
		t.Errorf("Save of a too large token: %v, want ErrTokenTooLarge, as the keyring would", err)
	}
}

func TestDefaultMetadataPath(t *testing.T) {
	state := t.TempDir()
	t.Setenv("XDG_STATE_HOME", state)
	got, err := DefaultMetadataPath()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(state, "biot-agent", "sessions.json"); got != want {
		t.Errorf("with XDG_STATE_HOME: %q, want %q", got, want)
	}

	if runtime.GOOS != "linux" {
		return
	}
	t.Setenv("XDG_STATE_HOME", "")
	home, err := os.UserHomeDir()
	if err != nil {
		t.Fatal(err)
	}
	got, err = DefaultMetadataPath()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(home, ".local", "state", "biot-agent", "sessions.json"); got != want {
		t.Errorf("without XDG_STATE_HOME: %q, want %q", got, want)
	}
}
