//go:build !linux

package messaging

import "net"

// hangupWatch is Linux's epoll(7); elsewhere each stream reads its connection itself.
type hangupWatch struct{}

func theHangupWatch() *hangupWatch { return nil }

func (w *hangupWatch) watch(conn net.Conn, end func()) (stop func(), ok bool) { return nil, false }
