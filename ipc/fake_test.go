package ipc

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Secrets the fake knows; tests assert none of them reaches a log.
const (
	fakeToken    = "eyJhbGciOiJSUzUxMiJ9.fake-access-token.sig"
	fakePassword = "correct horse battery staple"
	fakeCode     = "314159"
)

// fakeBackend stands in for the agent, which is written separately and
// talks to BioT; the real agent is exercised end to end in main's tests.
// It follows the agent's contract: a token only while signed in, an
// *Error otherwise, and an event on every change.
type fakeBackend struct {
	mu           sync.Mutex
	status       Status
	seq          uint64
	subs         map[int]chan Event
	nextSub      int
	tokenCalls   int
	lastMinValid time.Duration
	loginDelay   time.Duration // how long Login takes, to outlast ReadTimeout

	subscribed   chan struct{} // one send per Subscribe
	unsubscribed chan struct{} // one send per cancel

	// afterSubscribe, when set, runs once, after the next subscription is
	// in place and before Subscribe returns: a change made there lands in
	// the window between a subscription and whatever its caller reads next.
	afterSubscribe func(*fakeBackend)
}

func newFakeBackend(state State) *fakeBackend {
	fb := &fakeBackend{
		subs:         map[int]chan Event{},
		subscribed:   make(chan struct{}, 100),
		unsubscribed: make(chan struct{}, 100),
	}
	fb.status = Status{State: state, Store: StoreInfo{Kind: "memory"}}
	if state == StateSignedIn {
		fb.status.Username = "alice@example.com"
	}
	return fb
}

func (fb *fakeBackend) Token(ctx context.Context, minValid time.Duration) (Token, error) {
	fb.mu.Lock()
	defer fb.mu.Unlock()
	fb.tokenCalls++
	fb.lastMinValid = minValid
	switch {
	case fb.status.State == StateSignedIn:
		return Token{Token: fakeToken, ExpiresAt: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC), Username: fb.status.Username, UserID: "u-1", BaseURL: "https://api.example.com"}, nil
	case fb.status.MFAPending:
		return Token{}, &Error{Code: CodeMFARequired, Message: "waiting for the SMS code"}
	case fb.status.State == StateOffline:
		return Token{}, &Error{Code: CodeOffline, Message: "BioT cannot be reached"}
	case fb.status.State == StateNeedsLogin:
		return Token{}, &Error{Code: CodeNeedsLogin, Message: "the session expired"}
	default:
		return Token{}, &Error{Code: CodeSignedOut, Message: "nobody is signed in"}
	}
}

// CurrentToken answers like Token while signed in, and sends everything
// else the long way.
func (fb *fakeBackend) CurrentToken(minValid time.Duration) (Token, bool) {
	fb.mu.Lock()
	signedIn := fb.status.State == StateSignedIn
	fb.mu.Unlock()
	if !signedIn {
		return Token{}, false
	}
	tok, err := fb.Token(context.Background(), minValid)
	return tok, err == nil
}

// Renew answers like Token: the fake's token never changes.
func (fb *fakeBackend) Renew(ctx context.Context, refused string) (Token, error) {
	return fb.Token(ctx, 0)
}

// Upstream points at an address nothing answers on: the proxy is tested
// against the simulator, with the real agent, in internal/localapi.
func (fb *fakeBackend) Upstream() Upstream {
	return Upstream{BaseURL: "https://127.0.0.1:9"}
}

func (fb *fakeBackend) Status() Status {
	fb.mu.Lock()
	defer fb.mu.Unlock()
	return fb.status
}

// Login knows a few usernames that answer each kind of failure.
func (fb *fakeBackend) Login(ctx context.Context, username, password string) error {
	if fb.loginDelay > 0 {
		select {
		case <-time.After(fb.loginDelay):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	switch {
	case username == "locked@example.com":
		return &Error{Code: CodeLocked, Message: "the account is locked for 7 minutes", MinutesLeft: 7}
	case username == "reset@example.com":
		return &Error{Code: CodePasswordReset, Message: "set a new password in the BioT console"}
	case username == "broken@example.com":
		// An unexpected error whose text must reach the log, not the client.
		return errors.New("keyring exploded while saving")
	case password != fakePassword:
		return &Error{Code: CodeLoginFailed, Message: "wrong username or password"}
	case username == "mfa@example.com":
		fb.update(func(st *Status) { st.MFAPending = true })
		return &Error{Code: CodeMFARequired, Message: "BioT sent an SMS code"}
	}
	fb.signIn(username)
	return nil
}

// The phone of the fake's user who signs in with a code, and how the fake
// masks it.
const (
	fakePhone       = "+15555550142"
	fakePhoneMasked = "+1*******0142"
)

// RequestCode knows one phone; any other is refused as BioT refuses it.
func (fb *fakeBackend) RequestCode(ctx context.Context, phone string) (string, error) {
	if phone != fakePhone {
		return "", &Error{Code: CodeLoginFailed, Message: "BioT sends no sign-in code to " + phone}
	}
	fb.update(func(st *Status) {
		st.MFAPending = true
		st.Username = phone
		st.CodeSentTo = fakePhoneMasked
	})
	return fakePhoneMasked, nil
}

func (fb *fakeBackend) SubmitMFA(ctx context.Context, code string) error {
	st := fb.Status()
	if !st.MFAPending {
		return &Error{Code: CodeBadRequest, Message: "no sign-in waits for a code"}
	}
	if code != fakeCode {
		return &Error{Code: CodeLoginFailed, Message: "wrong SMS code"}
	}
	who := "mfa@example.com"
	if st.Username == fakePhone {
		who = fakePhone
	}
	fb.signIn(who)
	return nil
}

func (fb *fakeBackend) ResendMFA(ctx context.Context) error {
	if !fb.Status().MFAPending {
		return &Error{Code: CodeBadRequest, Message: "no sign-in waits for a code"}
	}
	return nil
}

// SignIn: the fake's environments are people's, as the agent answers for
// them.
func (fb *fakeBackend) SignIn(ctx context.Context) error {
	return &Error{Code: CodeBadRequest, Message: "this environment signs a person in: use a password or a code, not a service user's secret"}
}

func (fb *fakeBackend) Logout(ctx context.Context) error {
	fb.setState(StateSignedOut)
	return nil
}

func (fb *fakeBackend) Subscribe() (<-chan Event, func()) {
	fb.mu.Lock()
	id := fb.nextSub
	fb.nextSub++
	ch := make(chan Event, 4)
	ch <- Event{Seq: fb.seq, Status: fb.status} // the current status first, as the agent does
	fb.subs[id] = ch
	hook := fb.afterSubscribe
	fb.afterSubscribe = nil
	fb.mu.Unlock()
	if hook != nil {
		hook(fb)
	}
	fb.subscribed <- struct{}{}
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			fb.mu.Lock()
			delete(fb.subs, id)
			fb.mu.Unlock()
			fb.unsubscribed <- struct{}{}
		})
	}
}

func (fb *fakeBackend) signIn(username string) {
	fb.update(func(st *Status) {
		st.State = StateSignedIn
		st.Username = username
		st.MFAPending = false
		st.CodeSentTo = ""
	})
}

func (fb *fakeBackend) setState(s State) {
	fb.update(func(st *Status) {
		st.State = s
		st.MFAPending = false
		st.CodeSentTo = ""
	})
}

// update changes the status and publishes it like the agent does: a full
// buffer drops its oldest event, so a slow reader still gets the latest.
func (fb *fakeBackend) update(change func(*Status)) {
	fb.mu.Lock()
	defer fb.mu.Unlock()
	change(&fb.status)
	fb.seq++
	ev := Event{Seq: fb.seq, Status: fb.status}
	for _, ch := range fb.subs {
		for {
			select {
			case ch <- ev:
			default:
				select {
				case <-ch:
				default:
				}
				continue
			}
			break
		}
	}
}

func (fb *fakeBackend) tokenCallCount() int {
	fb.mu.Lock()
	defer fb.mu.Unlock()
	return fb.tokenCalls
}

// oneEnv serves fb as the only environment, named "default", as the agent
// does with a BioT URL given alone.
type oneEnv struct{ fb *fakeBackend }

func (o oneEnv) Session(name string) (Session, error) {
	if name == "" || name == "default" {
		return o.fb, nil
	}
	return nil, &Error{Code: CodeUnknownEnvironment, Message: fmt.Sprintf("no environment named %q; known: default", name)}
}

func (o oneEnv) Environments() ([]Status, string) {
	st := o.fb.Status()
	st.Env = "default"
	return []Status{st}, "default"
}
