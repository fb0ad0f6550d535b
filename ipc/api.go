package ipc

import "biot-agent/agent"

// Error codes of the local API that are not an [agent.Kind]. The agent's
// kinds (signed_out, needs_login, ...) are codes too, spelled the same.
const (
	CodeWaitTimeout      = "wait_timeout"       // no token within the asked wait
	CodeBadRequest       = "bad_request"        // malformed query or body
	CodeForbidden        = "forbidden"          // another user, or a browser
	CodeNotFound         = "not_found"          // no such endpoint
	CodeMethodNotAllowed = "method_not_allowed" // endpoint exists, method does not
	CodeInternal         = "internal"           // the agent failed; its log says why
)

// StatusResponse is the answer of GET /v1/status: the session's status and
// the agent's version.
type StatusResponse struct {
	agent.Status
	Version string `json:"version"`
}

// ErrorInfo is the "error" member of every error answer.
type ErrorInfo struct {
	Code        string `json:"code"`
	Message     string `json:"message"`
	MinutesLeft int    `json:"minutesLeft,omitempty"` // locked accounts, when BioT says
}

// errorBody is the JSON of every error answer: {"error":{...}}.
type errorBody struct {
	Error ErrorInfo `json:"error"`
}
