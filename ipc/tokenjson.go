package ipc

import (
	"bytes"
	"encoding/json"

	"biot-agent/agent"
)

// A token is the one answer on every script's hot path, and reflection is
// most of what encoding/json spends on it. The two functions below write
// and read it directly in the usual case (every field plain ASCII, as
// tokens, UUIDs, URLs and most usernames are) and leave everything else to
// encoding/json, so their bytes and results are always encoding/json's:
// FuzzTokenJSON holds them to that.

// appendTokenJSON appends tok as json.Marshal writes it.
func appendTokenJSON(dst []byte, tok agent.Token) ([]byte, error) {
	if !plainJSON(tok.Token) || !plainJSON(tok.UserID) || !plainJSON(tok.Username) ||
		!plainJSON(tok.OrganizationID) || !plainJSON(tok.BaseURL) {
		b, err := json.Marshal(tok)
		return append(dst, b...), err
	}
	start := len(dst)
	dst = append(dst, `{"token":"`...)
	dst = append(dst, tok.Token...)
	dst = append(dst, `","expiresAt":"`...)
	dst, err := tok.ExpiresAt.AppendText(dst) // what Time.MarshalJSON writes, unquoted
	if err != nil {
		b, err := json.Marshal(tok) // the same error, in encoding/json's words
		return append(dst[:start], b...), err
	}
	dst = append(dst, `","userId":"`...)
	dst = append(dst, tok.UserID...)
	dst = append(dst, `","username":"`...)
	dst = append(dst, tok.Username...)
	dst = append(dst, `","organizationId":"`...)
	dst = append(dst, tok.OrganizationID...)
	dst = append(dst, `","baseURL":"`...)
	dst = append(dst, tok.BaseURL...)
	return append(dst, `"}`...), nil
}

// plainJSON reports whether s goes into JSON as it is: printable ASCII,
// none of the characters encoding/json escapes (quote, backslash, and the
// HTML-sensitive <, > and &).
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20, c > 0x7e, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}

// decodeToken reads a token answer into tok as json.Unmarshal would.
func decodeToken(data []byte, tok *agent.Token) error {
	if t, ok := decodeTokenFast(data); ok {
		*tok = t
		return nil
	}
	return json.Unmarshal(data, tok)
}

// decodeTokenFast takes only the exact shape appendTokenJSON writes: its
// keys in its order, plain strings, an optional newline at the end. ok
// false leaves any other JSON, valid or not, to json.Unmarshal.
func decodeTokenFast(data []byte) (t agent.Token, ok bool) {
	rest := data
	ok = true
	field := func(key string) string {
		if !ok {
			return ""
		}
		var v string
		v, rest, ok = plainField(rest, key)
		return v
	}
	t.Token = field(`{"token":"`)
	expires := field(`","expiresAt":"`)
	t.UserID = field(`","userId":"`)
	t.Username = field(`","username":"`)
	t.OrganizationID = field(`","organizationId":"`)
	t.BaseURL = field(`","baseURL":"`)
	if !ok || string(bytes.TrimSuffix(rest, []byte("\n"))) != `"}` {
		return agent.Token{}, false
	}
	// Time's own JSON method: the one json.Unmarshal calls.
	if err := t.ExpiresAt.UnmarshalJSON([]byte(`"` + expires + `"`)); err != nil {
		return agent.Token{}, false
	}
	return t, true
}

// plainField reads key (with the quote opening the value) at the start of
// b, then a value of plain characters up to its closing quote, and returns
// the value and what follows it, starting at that quote.
func plainField(b []byte, key string) (string, []byte, bool) {
	if !bytes.HasPrefix(b, []byte(key)) {
		return "", nil, false
	}
	b = b[len(key):]
	for i, c := range b {
		switch {
		case c == '"':
			return string(b[:i]), b[i:], true
		case c < 0x20, c > 0x7e, c == '\\':
			return "", nil, false
		}
	}
	return "", nil, false
}
