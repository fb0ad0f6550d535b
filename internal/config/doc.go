// Package config reads biot-agent's config file, and picks the BioT
// environment a command acts on.
//
// # The file
//
// The file is $XDG_CONFIG_HOME/biot-agent/config.toml (see [Path]):
//
//	default = "dev"
//	notify_before = "10m"
//
//	[environments.dev]
//	url = "https://api.dev.acme.biot-med.com"
//
//	[environments.dev-qa]
//	url = "https://api.dev.acme.biot-med.com"
//
//	[environments.prod]
//	url = "https://api.acme.biot-med.com"
//	read_only = true
//
// An environment is one BioT URL and one account: two accounts on one URL
// are two environments, as dev and dev-qa above. Its name is 1 to 32 of
// a-z, 0-9 and '-', not starting with '-' ([CheckName]). Its keys:
//
//	url        the "Rest API URL"; https://, or http:// for localhost
//	           and loopback addresses only ([CheckURL], the rule of
//	           agent/biot's client)
//	read_only  true marks an environment to handle with care
//
// At the top: default names the environment used when no other is named;
// notify_before is how long before the session ends the tray warns ("0"
// for never; 10m when unset).
//
// A file written before environments came, with url = "..." at the top, is
// still read as it was: that url is the environment named "default". A
// file cannot have both a top-level url and [environments.default].
//
// [Load] reads the file; a missing file is an empty config. Anything the
// file says that is not understood is an error that names the file and
// what is wrong: a key no field takes (with the keys known there), a bad
// name, a bad URL, a default that names no environment.
//
// # Which environment
//
// [Config.Resolve] picks the environment a command acts on, and every
// caller picks through it. The first of these that says something decides:
// the name given (--env NAME or -e NAME), $BIOT_ENV, the file's default,
// the environment named "default", the only environment there is. When
// none does, or a name names none, the error is typed so callers can act
// on it: [*NoEnvironmentError] (errors.Is [ErrNoEnvironment]) lists the
// environments there are; [*UnknownEnvironmentError] (errors.Is
// [ErrUnknownEnvironment]) names the name and lists the known ones. On
// either the command line exits 2; on the second the socket is to answer
// 404 unknown_environment.
//
// "run --url URL" and $BIOT_URL keep working as before: [Config.WithURL]
// makes URL the environment "default", and the default.
//
// # Changing the file
//
// [Add] and [Remove] ("biot-agent environments add NAME URL", "...
// remove NAME") change the file without a person editing it, and keep
// what the person wrote: comments, order, blank lines, quoting, other
// keys. They edit the text, not a re-encoding of it: Add appends a table;
// Remove takes out the lines of one table, with the comments that touch
// it, and default = "NAME" when it names it. Each edit is checked before it is written: the new
// text must parse, and say what the old one said plus the new environment,
// or less the old one, and nothing else. An edit that fails the check is
// refused with the file untouched; the person can still edit by hand. The
// file is replaced atomically (a new file renamed over it), 0600, in a
// folder made 0700 when missing; a file that is a symbolic link stays one.
//
// Adding to a file with a top-level url moves that line into a table
// [environments.default], so that it stays the environment "default"
// beside the new one; Add's [Change] says so.
//
// # Watching the file
//
// [Watch] ticks when the file may have changed, so the agent picks up an
// edit without a restart: it watches the file's folder through the
// kernel (fsnotify), coalesces bursts, and costs nothing while nothing
// changes.
package config
