package localapi

import (
	"errors"

	"biot-agent/agent"
	"biot-agent/ipc"
)

// Token, StoreInfo and RefreshResult have the same fields on both sides,
// so a plain conversion copies them, and a field added on one side only
// stops the build here. Status has typed states, so it is copied field by
// field; the tests hold that copy to every field.

// status is st in the local API's types.
func status(st agent.Status) ipc.Status {
	out := ipc.Status{
		Env:              st.Env,
		Identity:         st.Identity,
		State:            ipc.State(st.State),
		Message:          st.Message,
		Username:         st.Username,
		UserID:           st.UserID,
		OrganizationID:   st.OrganizationID,
		BaseURL:          st.BaseURL,
		AccessExpiresAt:  st.AccessExpiresAt,
		RefreshExpiresAt: st.RefreshExpiresAt,
		NextRefreshAt:    st.NextRefreshAt,
		MFAPending:       st.MFAPending,
		CodeSentTo:       st.CodeSentTo,
		Store:            ipc.StoreInfo(st.Store),
	}
	if r := st.LastRefresh; r != nil {
		lr := ipc.RefreshResult(*r)
		out.LastRefresh = &lr
	}
	return out
}

// kindCode is the local API's code for each kind of agent error.
var kindCode = map[agent.Kind]ipc.Code{
	agent.KindSignedOut:     ipc.CodeSignedOut,
	agent.KindNeedsLogin:    ipc.CodeNeedsLogin,
	agent.KindMFARequired:   ipc.CodeMFARequired,
	agent.KindPasswordReset: ipc.CodePasswordReset,
	agent.KindLocked:        ipc.CodeLocked,
	agent.KindLoginFailed:   ipc.CodeLoginFailed,
	agent.KindOffline:       ipc.CodeOffline,
	agent.KindBadRequest:    ipc.CodeBadRequest,

	agent.KindUnknownEnvironment:  ipc.CodeUnknownEnvironment,
	agent.KindEnvironmentRequired: ipc.CodeEnvironmentRequired,
}

// apiError turns an *agent.Error into the *ipc.Error the server answers
// with its code. Any other error, and an agent error of a kind without a
// code, goes on as it is: the server answers it as internal and logs it.
func apiError(err error) error {
	var e *agent.Error
	if !errors.As(err, &e) {
		return err
	}
	code, ok := kindCode[e.Kind]
	if !ok {
		return err
	}
	return &ipc.Error{Code: code, Message: e.Message, MinutesLeft: e.MinutesLeft}
}
