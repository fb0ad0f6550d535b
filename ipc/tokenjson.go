package ipc

import (
	"encoding/json"
	"strings"
	"unsafe"
)

// A token is the one answer on every script's hot path, and reflection is
// most of what encoding/json spends on it. The two functions below write
// and read it directly in the usual case (every field plain ASCII, as
// tokens, UUIDs, URLs and most usernames are) and leave everything else to
// encoding/json, so their bytes and results are always encoding/json's:
// FuzzTokenJSON holds them to that.

// appendTokenJSON appends tok as json.Marshal writes it.
func appendTokenJSON(dst []byte, tok Token) ([]byte, error) {
	if !plainJSON(tok.Token) || !plainJSON(tok.UserID) || !plainJSON(tok.Username) ||
		!plainJSON(tok.OrganizationID) || !plainJSON(tok.BaseURL) {
		b, err := json.Marshal(tok)
		return append(dst, b...), err
	}
	start := len(dst)
	dst = append(dst, `{"token":"`...)
	dst = append(dst, tok.Token...)
	dst = append(dst, `","expiresAt":"`...)
	withTime, err := tok.ExpiresAt.AppendText(dst) // what Time.MarshalJSON writes, unquoted
	if err != nil {
		b, err := json.Marshal(tok) // the same error, in encoding/json's words
		return append(dst[:start], b...), err
	}
	dst = append(withTime, `","userId":"`...)
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
// HTML-sensitive <, > and &). A token is most of an answer's bytes, so
// this is a table lookup a byte.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		if !plainOut[s[i]] {
			return false
		}
	}
	return true
}

// plainOut and plainIn are the bytes that stand for themselves inside a
// JSON string written by encoding/json, and inside one read by the fast
// path (which takes <, > and & as they are, as encoding/json does).
var plainOut, plainIn = func() (out, in [256]bool) {
	for c := 0x20; c <= 0x7e; c++ {
		in[c] = c != '"' && c != '\\'
		out[c] = in[c] && c != '<' && c != '>' && c != '&'
	}
	return out, in
}()

// decodeToken reads a token answer into tok as json.Unmarshal would.
func decodeToken(data []byte, tok *Token) error {
	return decodeTokenIn(string(data), data, tok)
}

// decodeTokenOwned is decodeToken for a body nobody writes to again: the
// token's strings share its bytes instead of a copy of them.
func decodeTokenOwned(body []byte, tok *Token) error {
	return decodeTokenIn(unsafe.String(unsafe.SliceData(body), len(body)), body, tok)
}

// decodeTokenIn decodes data, whose bytes whole holds as a string.
func decodeTokenIn(whole string, data []byte, tok *Token) error {
	if t, ok := decodeTokenFast(whole, data); ok {
		*tok = t
		return nil
	}
	return json.Unmarshal(data, tok)
}

// decodeTokenFast, given data and the same bytes as a string, takes only
// the exact shape appendTokenJSON writes: its keys in its order, plain
// strings, an optional newline at the end. ok false leaves any other JSON,
// valid or not, to json.Unmarshal.
func decodeTokenFast(whole string, data []byte) (t Token, ok bool) {
	pos := 0 // where the next key starts; the fields are slices of whole
	ok = true
	// field reads key (with the quote that opens the value) at pos, and
	// the plain value up to its closing quote; pos moves to that quote.
	field := func(key string) (v string, start int) {
		if !ok || !strings.HasPrefix(whole[pos:], key) {
			ok = false
			return "", 0
		}
		start = pos + len(key)
		end := strings.IndexByte(whole[start:], '"')
		if end < 0 {
			ok = false
			return "", 0
		}
		v = whole[start : start+end]
		for i := 0; i < len(v); i++ {
			if !plainIn[v[i]] {
				ok = false
				return "", 0
			}
		}
		pos = start + end
		return v, start
	}
	t.Token, _ = field(`{"token":"`)
	expires, at := field(`","expiresAt":"`)
	t.UserID, _ = field(`","userId":"`)
	t.Username, _ = field(`","username":"`)
	t.OrganizationID, _ = field(`","organizationId":"`)
	t.BaseURL, _ = field(`","baseURL":"`)
	if !ok || strings.TrimSuffix(whole[pos:], "\n") != `"}` {
		return Token{}, false
	}
	// Time's own JSON method, the one json.Unmarshal calls, on the value
	// with its quotes.
	if err := t.ExpiresAt.UnmarshalJSON(data[at-1 : at+len(expires)+1]); err != nil {
		return Token{}, false
	}
	return t, true
}
