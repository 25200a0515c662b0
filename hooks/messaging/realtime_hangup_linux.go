//go:build linux

package messaging

import (
	"crypto/tls"
	"net"
	"sync"
	"syscall"
)

// hangupWatch notices, for every taken-over realtime connection at once, that the
// browser closed it or that it broke: one goroutine waits in epoll(7) for EPOLLRDHUP,
// EPOLLHUP and EPOLLERR on all of them, where a goroutine per connection blocked in a
// read cost a 4 KB stack each. Nothing is read: what a browser might send on an event
// stream stays unread, as it did behind net/http's one-byte read-ahead.
type hangupWatch struct {
	epfd int
	mu   sync.Mutex
	next uint64
	ends map[uint64]func()
}

var (
	hangupsOnce sync.Once
	hangups     *hangupWatch
)

// theHangupWatch starts the watch on first use; nil when epoll is not available.
func theHangupWatch() *hangupWatch {
	hangupsOnce.Do(func() {
		fd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
		if err != nil {
			return
		}
		hangups = &hangupWatch{epfd: fd, ends: map[uint64]func(){}}
		go hangups.run()
	})
	return hangups
}

func (w *hangupWatch) run() {
	events := make([]syscall.EpollEvent, 128)
	for {
		n, err := syscall.EpollWait(w.epfd, events, -1)
		if err != nil {
			if err == syscall.EINTR {
				continue
			}
			// Cannot happen with a valid epoll descriptor; should it, end every watched
			// stream rather than keep ones whose end would go unnoticed.
			w.mu.Lock()
			ends := w.ends
			w.ends = map[uint64]func(){}
			w.mu.Unlock()
			for _, end := range ends {
				end()
			}
			return
		}
		for _, ev := range events[:n] {
			id := uint64(uint32(ev.Fd)) | uint64(uint32(ev.Pad))<<32
			w.mu.Lock()
			end := w.ends[id]
			delete(w.ends, id)
			w.mu.Unlock()
			if end != nil {
				end()
			}
		}
	}
}

// watch calls end (once) when conn's peer hangs up or the connection fails. stop ends
// the watch; it must be called before conn is closed (its descriptor may be reused).
// ok is false when conn cannot be watched this way.
func (w *hangupWatch) watch(conn net.Conn, end func()) (stop func(), ok bool) {
	if w == nil {
		return nil, false
	}
	if tc, isTLS := conn.(*tls.Conn); isTLS {
		conn = tc.NetConn()
	}
	sc, isSys := conn.(syscall.Conn)
	if !isSys {
		return nil, false
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return nil, false
	}
	w.mu.Lock()
	w.next++
	id := w.next
	w.ends[id] = end
	w.mu.Unlock()
	forget := func() {
		w.mu.Lock()
		delete(w.ends, id)
		w.mu.Unlock()
	}
	ev := syscall.EpollEvent{
		Events: syscall.EPOLLRDHUP | syscall.EPOLLHUP | syscall.EPOLLERR | syscall.EPOLLONESHOT,
		Fd:     int32(uint32(id)),
		Pad:    int32(uint32(id >> 32)),
	}
	var addErr error
	if err := raw.Control(func(fd uintptr) { addErr = syscall.EpollCtl(w.epfd, syscall.EPOLL_CTL_ADD, int(fd), &ev) }); err != nil || addErr != nil {
		forget()
		return nil, false
	}
	return func() {
		forget()
		_ = raw.Control(func(fd uintptr) { _ = syscall.EpollCtl(w.epfd, syscall.EPOLL_CTL_DEL, int(fd), nil) })
	}, true
}
