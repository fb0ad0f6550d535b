package biotsim

import (
	"encoding/json"
	"testing"
)

func TestLoginAnswers(t *testing.T) {
	s := start(t, nil)
	rows := []struct {
		name    string
		user    User
		status  int
		code    string
		minutes int // details.timeLeftInMinutes, for USER_LOCKED_WITH_TIME
	}{
		{"wrong password", User{Username: alice.Username, Password: alice.Password + "x"}, 403, "LOGIN_FAILED", 0},
		{"unknown user", User{Username: "mallory@example.com", Password: "x"}, 403, "LOGIN_FAILED", 0},
		{"username in other case", User{Username: "Alice@example.com", Password: alice.Password}, 403, "LOGIN_FAILED", 0},
		{"locked", lockD, 401, "USER_LOCKED", 0},
		{"locked, wrong password too", User{Username: lockD.Username, Password: "x"}, 401, "USER_LOCKED", 0},
		{"locked for 7 minutes", lockE, 401, "USER_LOCKED_WITH_TIME", 7},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			r := login(t, s, row.user)
			wantError(t, r, row.status, row.code)
			var e struct {
				Details map[string]json.RawMessage `json:"details"`
			}
			r.decode(t, &e)
			if row.minutes > 0 {
				if got := string(e.Details["timeLeftInMinutes"]); got != "7" {
					t.Errorf("details.timeLeftInMinutes = %s, want the number 7", got)
				}
			} else if len(e.Details) != 0 {
				t.Errorf("details = %v, want {}", e.Details)
			}
		})
	}
	st := s.Stats()
	if st.LoginsRejected != len(rows) || st.Logins != 0 {
		t.Errorf("stats: %d logins, %d rejected; want 0 and %d", st.Logins, st.LoginsRejected, len(rows))
	}
}

func TestLockedMinutesAloneLocks(t *testing.T) {
	s := start(t, nil)
	u := User{Username: "judy@example.com", Password: "pw", LockedMinutes: 3}
	s.AddUser(u)
	wantError(t, login(t, s, u), 401, "USER_LOCKED_WITH_TIME")
}

func TestLoginPlainUser(t *testing.T) {
	s := start(t, nil)
	l := signIn(t, s, alice)
	if l.MFARequired || l.PasswordResetRequired || l.MFAExpiration != "" || l.Phone != "" {
		t.Errorf("plain login has MFA or reset flags: %+v", l)
	}
	var u userResponse
	r := self(t, s, l.AccessJwt.Token)
	r.decode(t, &u)
	if u.Username != alice.Username || u.ID != l.UserID || u.OwnerOrganizationID != l.OwnerOrganizationID {
		t.Errorf("self = %+v, want alice with the login's ids", u)
	}
	if u.LoginTimestamp == "" {
		t.Error("self has no loginTimestamp after a login")
	}
	if got := s.Stats().Logins; got != 1 {
		t.Errorf("Stats.Logins = %d, want 1", got)
	}
}

func TestLoginPasswordResetRequired(t *testing.T) {
	s := start(t, nil)
	l := login(t, s, resetC).login(t)
	if !l.PasswordResetRequired {
		t.Error("passwordResetRequired is false")
	}
	if l.RefreshJwt != nil {
		t.Error("refreshJwt is not null: the session could be kept alive")
	}
	var raw map[string]json.RawMessage
	login(t, s, resetC).decode(t, &raw)
	if string(raw["refreshJwt"]) != "null" {
		t.Errorf("refreshJwt is %s on the wire, want null", raw["refreshJwt"])
	}
	// The access token still serves to reach the user's own record, where
	// a password is reset.
	if r := self(t, s, l.AccessJwt.Token); r.Status != 200 {
		t.Errorf("self with the reset token: %d", r.Status)
	}
}

// TestAddUserReplaces shows a test locking a signed-in user midway: the
// user keeps its ids, refresh then answers 403 LOGIN_FAILED.
func TestAddUserReplaces(t *testing.T) {
	s := start(t, nil)
	l := signIn(t, s, alice)
	locked := alice
	locked.Locked = true
	s.AddUser(locked)
	wantError(t, refresh(t, s, l.RefreshJwt.Token), 403, "LOGIN_FAILED")
	wantError(t, login(t, s, alice), 401, "USER_LOCKED")

	s.AddUser(alice) // unlocked again, same ids
	l2 := signIn(t, s, alice)
	if l2.UserID != l.UserID || l2.OwnerOrganizationID != l.OwnerOrganizationID {
		t.Errorf("ids changed on replace: %s/%s -> %s/%s", l.UserID, l.OwnerOrganizationID, l2.UserID, l2.OwnerOrganizationID)
	}
}

func TestUsersGivenIDsAreKept(t *testing.T) {
	const id, org = "11111111-2222-4333-8444-555555555555", "66666666-7777-4888-9999-000000000000"
	s := start(t, nil, func(c *Options) {
		c.Users = []User{{Username: "frank@example.com", Password: "pw", ID: id, OrganizationID: org}}
	})
	l := signIn(t, s, User{Username: "frank@example.com", Password: "pw"})
	if l.UserID != id || l.OwnerOrganizationID != org {
		t.Errorf("got %s/%s, want %s/%s", l.UserID, l.OwnerOrganizationID, id, org)
	}
}

func TestMaskPhone(t *testing.T) {
	rows := []struct{ in, want string }{
		{"+12345678901", "+*******8901"},
		{"+44 20 7946 0958", "+** ** **** 0958"},
		{"123", "123"},
	}
	for _, row := range rows {
		if got := maskPhone(row.in); got != row.want {
			t.Errorf("maskPhone(%q) = %q, want %q", row.in, got, row.want)
		}
	}
}
