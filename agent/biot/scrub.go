package biot

import "strings"

const redacted = "[redacted]"

// jwtShape matches anything that looks like a JWT (header.payload.signature,
// the header starting with {" in base64url), so that a token BioT quotes
// back is hidden even when it is not one this request sent. It is compiled
// on first use: only errors need it, and compiling at package init would
// cost every run of the binary, `biot-agent token` included.
var jwtShape = lazyRegexp(`eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*`)

// scrub hides secrets and JWT-shaped strings in s.
func scrub(s string, secrets []string) string {
	for _, sec := range secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, redacted)
		}
	}
	return jwtShape().ReplaceAllString(s, redacted)
}
