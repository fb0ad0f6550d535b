package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"biot-agent/internal/biotsim"
)

// TestUpgradeTakesOverThePreviousReleasesSession: a person signed in with
// the release before environments, which kept one session per BioT URL,
// and configured only that URL (a top-level url = in config.toml, or run
// --url). The new agent takes that session over at its first start: it
// serves the person's tokens at once, BioT sees no new sign-in, the
// previous release's keyring item is gone, and the session lives on as the
// environment "default", across the next restart too.
func TestUpgradeTakesOverThePreviousReleasesSession(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		config bool // a top-level url in config.toml, else run --url
	}{
		{"a top-level url in config.toml", true},
		{"run --url", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, worldOptions{sim: anaSim(), desktop: "need"})
			w.previousReleaseSignedIn(ana, anaPW)
			args := []string{"run", "--headless"}
			if tt.config {
				w.writeConfig("url = \"" + w.sim.URL() + "\"\n")
			} else {
				args = append(args, "--url", w.sim.URL())
			}

			a := w.startAgentWith(w.env, args...)
			w.wantSelf(w.token(), ana)
			st, res := w.status()
			wantExit(t, res, 0, "status after the upgrade")
			if st.Env != "default" || st.State != "signed_in" || st.Username != ana {
				t.Errorf("after the upgrade status says %q %s as %q, want default signed_in as %s", st.Env, st.State, st.Username, ana)
			}
			if s := w.sim.Stats(); s.ByPath[biotsim.PathLogin] != 1 || s.RefreshesRejected != 0 {
				t.Errorf("BioT saw %d sign-ins (the previous release's was 1) and %d refused refreshes, want no new sign-in and none refused",
					s.ByPath[biotsim.PathLogin], s.RefreshesRejected)
			}
			if n := w.legacyKeyringItems(); n != 0 {
				t.Errorf("the previous release's keyring item is still there (%d items) after the upgrade", n)
			}
			if n := len(w.keyringItems()); n != 1 {
				t.Fatalf("the keyring holds %d items of the environment default, want 1", n)
			}
			w.refreshTokenFromKeyring(ana)
			meta := w.sessionsFile()
			if meta.Version != 2 || meta.Sessions["default"].Username != ana || len(meta.Legacy) != 0 {
				t.Errorf("sessions.json after the upgrade is %+v, want version 2 with default's session as %s and no legacy one", meta, ana)
			}

			// The next start finds the session where this release keeps it.
			a.stop()
			w.startAgentWith(w.env, args...)
			w.wantSelf(w.token(), ana)
			if n := w.sim.Stats().ByPath[biotsim.PathLogin]; n != 1 {
				t.Errorf("BioT saw %d sign-ins after the second start, want still the previous release's 1", n)
			}
			w.refreshTokenFromKeyring(ana)
		})
	}
}

// previousReleaseSignedIn leaves what the release before environments
// left after a sign-in of username at the world's BioT: a keyring item
// whose service is "biot-agent <URL>", user the username and secret the
// refresh token, and a version 1 sessions.json keyed by URL, with "last".
// It signs in at BioT itself, as that release did.
func (w *world) previousReleaseSignedIn(username, password string) {
	w.t.Helper()
	body, _ := json.Marshal(map[string]string{"username": username, "password": password})
	req, err := http.NewRequestWithContext(w.ctx(), http.MethodPost, w.sim.URL()+biotsim.PathLogin, bytes.NewReader(body))
	if err != nil {
		w.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := w.sim.Client().Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	var login struct {
		UserID              string `json:"userId"`
		OwnerOrganizationID string `json:"ownerOrganizationId"`
		AccessJwt           struct {
			Token string `json:"token"`
		} `json:"accessJwt"`
		RefreshJwt struct {
			Token      string `json:"token"`
			Expiration string `json:"expiration"`
		} `json:"refreshJwt"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&login); err != nil || resp.StatusCode != http.StatusOK {
		w.t.Fatalf("signing in at BioT as the previous release did: %d, %v", resp.StatusCode, err)
	}
	w.secrets.addToken("the previous release's access token", login.AccessJwt.Token)
	w.secrets.addToken("the previous release's refresh token", login.RefreshJwt.Token)
	refreshExp, err := time.Parse(time.RFC3339Nano, login.RefreshJwt.Expiration)
	if err != nil {
		w.t.Fatal(err)
	}

	url, service := w.sim.URL(), "biot-agent "+w.sim.URL()
	_, err = desktop.Keyring.SecretTool(w.ctx(), login.RefreshJwt.Token, "store",
		"--label=Password for '"+username+"' on '"+service+"'", "service", service, "username", username)
	if err != nil {
		w.t.Fatal(err)
	}
	if got, err := desktop.Keyring.SecretTool(w.ctx(), "", "lookup", "service", service, "username", username); err != nil || got != login.RefreshJwt.Token {
		w.t.Fatalf("the previous release's keyring item does not hold the refresh token (%d bytes, %v)", len(got), err)
	}
	w.t.Cleanup(func() { // the keyring is shared: leave nothing behind
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, _ = desktop.Keyring.SecretTool(ctx, "", "clear", "service", service, "username", username)
	})

	v1 := map[string]any{
		"version": 1,
		"last":    url,
		"sessions": map[string]any{url: map[string]any{
			"baseURL":          url,
			"username":         username,
			"userId":           login.UserID,
			"organizationId":   login.OwnerOrganizationID,
			"refreshExpiresAt": refreshExp,
		}},
	}
	b, err := json.MarshalIndent(v1, "", "  ")
	if err != nil {
		w.t.Fatal(err)
	}
	dir := filepath.Join(w.state, "biot-agent")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		w.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "sessions.json"), append(b, '\n'), 0o600); err != nil {
		w.t.Fatal(err)
	}
}

// legacyKeyringItems counts the keyring items the previous release would
// have kept for the world's BioT.
func (w *world) legacyKeyringItems() int {
	w.t.Helper()
	items, err := desktop.Keyring.Items(w.ctx(), map[string]string{"service": "biot-agent " + w.sim.URL()})
	if err != nil {
		w.t.Fatal(err)
	}
	return len(items)
}

// sessionsMeta is what sessions.json says, as far as these tests read it.
type sessionsMeta struct {
	Version  int `json:"version"`
	Sessions map[string]struct {
		Username string `json:"username"`
		BaseURL  string `json:"baseURL"`
	} `json:"sessions"`
	Legacy map[string]any `json:"legacy"`
}

// sessionsFile reads the agent's sessions.json.
func (w *world) sessionsFile() sessionsMeta {
	w.t.Helper()
	b, err := os.ReadFile(filepath.Join(w.state, "biot-agent", "sessions.json"))
	if err != nil {
		w.t.Fatal(err)
	}
	var m sessionsMeta
	if err := json.Unmarshal(b, &m); err != nil {
		w.t.Fatalf("sessions.json: %v\n%s", err, b)
	}
	return m
}
