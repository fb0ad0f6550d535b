// Command ipctoken is `biot-agent token` with nothing else linked in: a Go
// program that asks the agent through ipc.Client.TokenString, prints the
// token and exits.
//
//	ipctoken
//
// It finds the socket as biot-agent does ($BIOT_AGENT_SOCK, else the
// default path). Beside the whole binary it shows what a one-shot command
// pays for the rest of biot-agent (the tray, the keyring, the simulator and
// their packages' initializers); beside tokenfloor, what it pays for
// net/http and the client.
package main

import (
	"context"
	"fmt"
	"os"

	"biot-agent/ipc"
)

func main() {
	path, err := ipc.SocketPath()
	if err == nil {
		var tok string
		tok, err = ipc.NewClient(path).TokenString(context.Background(), ipc.TokenOptions{})
		if err == nil {
			_, err = fmt.Println(tok)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "ipctoken:", err)
		os.Exit(1)
	}
}
