package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"slices"
	"strings"

	"golang.org/x/term"
)

func apiCmd() *command {
	var o apiOptions
	return &command{
		name:    "api",
		oneEnv:  true,
		summary: "call BioT through the agent, which adds a fresh token",
		usage:   "[-e NAME] [-X METHOD] [-H 'K: V']... [-d DATA | -d @FILE | -d @-] [-i] PATH",
		help: `Sends one request to BioT through the agent's proxy and prints the answer's
body: pretty JSON on a terminal, as it comes otherwise. PATH is below the
environment's BioT URL, with its query. The agent adds its access token,
and renews it once if BioT refused it.

The method is GET, or POST with -d; -d sends DATA, or the file FILE, or
standard input (@-), as application/json unless -H names a Content-Type.
-i prints the status line and the headers first.

Exit codes: 0 for a 2xx answer; 1 for any other (the status, and BioT's
code and message, on standard error); 3, 4 and 5 as for token.

  biot-agent api /ums/v2/users/self
  biot-agent api -X PATCH -d '{"name":"new"}' /organization/v1/users/patients/ID`,
		flags: o.register,
		run: func(ctx context.Context, e *env, fs *flag.FlagSet, args []string) error {
			// Flags may follow the path too, as with curl.
			if len(args) > 1 {
				if err := fs.Parse(args[1:]); err != nil {
					return usagef("%v", err)
				}
				if rest := fs.Args(); len(rest) > 0 {
					return usagef("api takes one PATH; also got %q", rest[0])
				}
				args = args[:1]
			}
			if len(args) != 1 {
				return usagef("api needs the PATH to call, such as /ums/v2/users/self")
			}
			return runAPI(ctx, e, o, args[0])
		},
	}
}

type apiOptions struct {
	method  string
	headers headerFlags
	data    string
	dataSet bool
	include bool
}

func (o *apiOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&o.method, "X", "", "the `METHOD` (default GET, or POST with -d)")
	fs.Var(&o.headers, "H", "a header `'K: V'` to send (repeatable)")
	fs.Func("d", "the body: `DATA`, @FILE, or @- for standard input", func(s string) error {
		o.data, o.dataSet = s, true
		return nil
	})
	fs.BoolVar(&o.include, "i", false, "print the status line and headers before the body")
}

// headerFlags collects -H flags.
type headerFlags []string

func (h *headerFlags) String() string { return strings.Join(*h, ", ") }

func (h *headerFlags) Set(v string) error {
	k, _, ok := strings.Cut(v, ":")
	if !ok || strings.TrimSpace(k) == "" || strings.ContainsAny(strings.TrimSpace(k), " \t") {
		return fmt.Errorf("a header is 'Name: value', not %q", v)
	}
	*h = append(*h, v)
	return nil
}

// maxPretty is the most of a JSON answer read whole to be shown pretty; a
// larger one goes out as it comes.
const maxPretty = 16 << 20

func runAPI(ctx context.Context, e *env, o apiOptions, path string) error {
	if strings.Contains(path, "://") {
		return usagef("PATH is the part after the BioT URL, such as /ums/v2/users/self; not %s", path)
	}
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	body, length, err := o.body(e)
	if err != nil {
		return err
	}
	if c, ok := body.(io.Closer); ok {
		defer c.Close()
	}
	method := strings.ToUpper(o.method)
	if method == "" {
		method = http.MethodGet
		if o.dataSet {
			method = http.MethodPost
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, path, body)
	if err != nil {
		return usagef("%v", err)
	}
	req.ContentLength = length
	for _, h := range o.headers {
		k, v, _ := strings.Cut(h, ":")
		req.Header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	if o.dataSet && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	c, err := e.client()
	if err != nil {
		return err
	}
	resp, err := c.Proxy(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if o.include {
		if err := writeHead(e.stdout, resp); err != nil {
			return err
		}
	}
	ok := resp.StatusCode/100 == 2
	var kept []byte // the body, when it was read whole
	if !ok || (isJSON(resp.Header.Get("Content-Type")) && isTerminal(e.stdout)) {
		kept, err = io.ReadAll(io.LimitReader(resp.Body, maxPretty+1))
		if err != nil {
			return fmt.Errorf("api: read the answer: %w", err)
		}
	}
	switch {
	case kept == nil:
		if _, err := io.Copy(e.stdout, resp.Body); err != nil {
			return fmt.Errorf("api: read the answer: %w", err)
		}
	case len(kept) <= maxPretty && isJSON(resp.Header.Get("Content-Type")) && isTerminal(e.stdout):
		var pretty bytes.Buffer
		if json.Indent(&pretty, kept, "", "  ") == nil {
			kept = append(pretty.Bytes(), '\n')
		}
		fallthrough
	default:
		if _, err := e.stdout.Write(kept); err != nil {
			return err
		}
		if _, err := io.Copy(e.stdout, resp.Body); err != nil {
			return fmt.Errorf("api: read the answer: %w", err)
		}
	}
	if !ok {
		return &apiStatusError{status: resp.Status, body: kept}
	}
	return nil
}

// body opens what -d names, and its length (-1 when unknown: sent chunked).
func (o *apiOptions) body(e *env) (io.Reader, int64, error) {
	switch {
	case !o.dataSet:
		return nil, 0, nil
	case o.data == "@-":
		return e.stdin, -1, nil
	case strings.HasPrefix(o.data, "@"):
		f, err := os.Open(o.data[1:])
		if err != nil {
			return nil, 0, usagef("-d %s: %v", o.data, err)
		}
		fi, err := f.Stat()
		if err != nil || !fi.Mode().IsRegular() {
			return f, -1, nil
		}
		return f, fi.Size(), nil
	}
	return strings.NewReader(o.data), int64(len(o.data)), nil
}

// writeHead prints the status line and the headers, sorted, as -i asks.
func writeHead(w io.Writer, resp *http.Response) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s\r\n", resp.Proto, resp.Status)
	keys := make([]string, 0, len(resp.Header))
	for k := range resp.Header {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range resp.Header[k] {
			fmt.Fprintf(&b, "%s: %s\r\n", k, v)
		}
	}
	b.WriteString("\r\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// apiStatusError is BioT's answer other than 2xx: the status, and BioT's
// code and message when the body is BioT's error.
type apiStatusError struct {
	status string
	body   []byte
}

func (e *apiStatusError) Error() string {
	msg := "api: BioT answered " + e.status
	var b struct{ Code, Message string }
	if json.Unmarshal(e.body, &b) == nil && (b.Code != "" || b.Message != "") {
		msg += ": " + strings.TrimPrefix(b.Code+": "+b.Message, ": ")
	}
	return msg
}
