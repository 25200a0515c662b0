package hardware

// MaxMessageExpiry exposes the running broker's message expiry cap to the tests.
func MaxMessageExpiry(b *Broker) int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.server.Options.Capabilities.MaximumMessageExpiryInterval
}

// Connections counts a device's open connections as the broker tracks them.
func Connections(b *Broker, username string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.conns[username])
}
