// Command jobfloor is the floor of biot-agent's idle memory: the least a Go
// program doing the agent's network job holds, and nothing else.
//
//	jobfloor URL PATH
//
// It asks URL once over HTTPS, as the agent's first refresh does (Go's TLS,
// the system's root certificates parsed), then answers every request on the
// Unix socket PATH with a fixed 1 KB token from a net/http server, until it
// is killed. It is a program of its own, not a mode of gofloor, so that
// gofloor stays Go's floor for starting a process.
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: jobfloor URL PATH")
		os.Exit(2)
	}
	if err := serve(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "jobfloor:", err)
		os.Exit(1)
	}
}

func serve(url, path string) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	l, err := net.Listen("unix", path)
	if err != nil {
		return err
	}
	token := make([]byte, 1024)
	for i := range token {
		token[i] = 'a' + byte(i%26)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write(token)
	})}
	go func() { _ = srv.Serve(l) }()
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	<-stop
	return srv.Close()
}
