package cli

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"biot-agent/internal/doctor"
)

// checkServiceSecret is the id of doctor's finding about a service
// environment's secret key, one per service environment.
const checkServiceSecret = "service-secret"

// withServiceSecrets adds to r one finding per service environment: where
// its secret key comes from, as the agent would find it started from here
// (the credential, secret_file, the OS keyring, a variable), never the key
// itself. A secret_file others could read fails, as it stops run; a key in
// a variable is a warning. The secrets read are dropped at once.
func withServiceSecrets(ctx context.Context, r doctor.Report, flagURL string) doctor.Report {
	src, err := newSources(flagURL)
	if err != nil {
		return r
	}
	cfg, _, err := src.read()
	if err != nil {
		return r // the BioT URL check says why the file cannot be read
	}
	s := secretSources{credDir: os.Getenv("CREDENTIALS_DIRECTORY"), vars: map[string]string{}}
	for _, kv := range os.Environ() {
		if name, value, _ := strings.Cut(kv, "="); isSecretVar(name) {
			s.vars[name] = value
		}
	}
	for _, name := range cfg.Names() {
		e := cfg.Environments[name]
		if !e.IsService() {
			continue
		}
		f := doctor.Finding{Check: checkServiceSecret, Title: "service secret", Level: doctor.OK,
			Detail: map[string]string{"env": name, "serviceUserId": e.ServiceUserID}}
		who := fmt.Sprintf("%s (service user %s)", name, e.ServiceUserID)
		fctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		_, from, err := s.find(fctx, name, e)
		cancel()
		switch {
		case err != nil && e.SecretFile != "":
			f.Level, f.Message = doctor.Fail, fmt.Sprintf("%s: %v.", who, err)
			f.Fix = "make it a private file of yours (chmod 600): until then the agent refuses to start"
		case err != nil:
			f.Level, f.Message = doctor.Warn, fmt.Sprintf("%s: no secret key found from here: %v.", who, err)
			f.Fix = "a systemd unit's LoadCredential= is seen by the agent it starts only; otherwise store the key with: biot-agent login -e " + name + " --secret-stdin"
		default:
			f.Detail["source"], f.Detail["from"] = from.kind, from.where
			f.Message = fmt.Sprintf("%s: the secret key comes from the %s.", who, from)
			if from.kind == "variable" {
				f.Level = doctor.Warn
				f.Message = fmt.Sprintf("%s: the secret key comes from the variable %s, which every program started from this shell sees, and /proc/PID/environ of each shows.", who, from.where)
				f.Fix = fmt.Sprintf("keep it in a file of its own (secret_file in config.toml, chmod 600) or a systemd credential (LoadCredential=%s:PATH), and unset %s", credentialOf(name), from.where)
			}
		}
		if f.Level == doctor.Fail {
			r.OK = false
		}
		r.Findings = append(r.Findings, f)
	}
	return r
}
