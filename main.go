// Command biot-agent keeps a person signed in to one BioT environment and
// hands the current access token to local scripts and tools over a Unix
// socket.
//
//	curl -H "Authorization: Bearer $(biot-agent token)" "$BIOT_URL/ums/v2/users/self"
//
// Run "biot-agent help" for the commands, or "biot-agent demo" to try it
// against a simulated BioT.
package main

import (
	"os"

	"biot-agent/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
