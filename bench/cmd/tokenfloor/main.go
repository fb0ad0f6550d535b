// Command tokenfloor is the floor `biot-agent token` is compared with: a Go
// program that connects to the agent's socket, asks for the token, prints
// it and exits, and does nothing else.
//
//	tokenfloor PATH
//
// It writes the request by hand and reads the answer until the agent closes
// the connection, so that it links no more than package net: the least a
// Go program pays to get the token from a running agent. It checks only
// the status line.
package main

import (
	"bytes"
	"io"
	"net"
	"os"
)

const request = "GET /v1/token HTTP/1.1\r\nHost: biot-agent\r\nAccept: text/plain\r\nConnection: close\r\n\r\n"

func main() {
	if len(os.Args) != 2 {
		os.Stderr.WriteString("usage: tokenfloor PATH\n")
		os.Exit(2)
	}
	tok, err := token(os.Args[1])
	if err != nil {
		os.Stderr.WriteString("tokenfloor: " + err.Error() + "\n")
		os.Exit(1)
	}
	os.Stdout.Write(append(tok, '\n'))
}

type failure string

func (f failure) Error() string { return string(f) }

func token(path string) ([]byte, error) {
	c, err := net.Dial("unix", path)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	if _, err := io.WriteString(c, request); err != nil {
		return nil, err
	}
	answer, err := io.ReadAll(c)
	if err != nil {
		return nil, err
	}
	head, body, ok := bytes.Cut(answer, []byte("\r\n\r\n"))
	if !ok || !bytes.HasPrefix(head, []byte("HTTP/1.1 200 ")) {
		line, _, _ := bytes.Cut(head, []byte("\r\n"))
		return nil, failure("the agent answered " + string(line))
	}
	return body, nil
}
